namespace Statehouse.Cli.Dumps;

/// <summary>The record lines of a dump that one import transaction writes (consecutive lines, in file order).</summary>
internal sealed record ImportBatch(IReadOnlyList<DumpLine> Lines)
{
    public int FirstLine => Lines[0].Number;

    public int LastLine => Lines[^1].Number;

    /// <summary>"lines 3-252", or "line 3".</summary>
    public string Describe() => FirstLine == LastLine ? $"line {FirstLine}" : $"lines {FirstLine}-{LastLine}";
}
