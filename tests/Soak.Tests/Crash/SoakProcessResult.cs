namespace Statehouse.Soak.Tests.Crash;

/// <summary>How the soak tool ended: its exit code and everything it printed.</summary>
internal sealed record SoakProcessResult(int ExitCode, string Output, string Errors)
{
    /// <summary>The counters of the one summary line (<c>lost=0 partial=0 ... seconds=12.3</c>).</summary>
    public IReadOnlyDictionary<string, string> Summary()
    {
        var lines = Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("lost=", StringComparison.Ordinal))
            .ToList();
        var line = Assert.Single(lines);
        return line.Split(' ').Select(pair => pair.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
    }
}
