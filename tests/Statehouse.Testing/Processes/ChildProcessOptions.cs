namespace Statehouse.Testing.Processes;

/// <summary>How <see cref="ChildProcess.Start"/> runs a program. Every property is optional.</summary>
public sealed record ChildProcessOptions
{
    /// <summary>The name in log lines and failure messages; default the program's file name without extension.</summary>
    public string? Name { get; init; }

    /// <summary>The working directory; default the directory of the program (for <c>dotnet x.dll</c>, of the dll: its content root).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Environment variables to set; a null value removes the variable from the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Redirects standard input. It stays open until <see cref="ChildProcess.WriteInputAsync"/> closes it or the process
    /// ends (the soak's clients take its end as the sign that their parent is gone).
    /// </summary>
    public bool RedirectInput { get; init; }

    /// <summary>A file that every output line is appended to (see <see cref="LogStandardOutput"/>), with a line at start and exit.</summary>
    public string? LogPath { get; init; }

    /// <summary>Whether standard output goes to <see cref="LogPath"/> too (standard error always does). Default true.</summary>
    public bool LogStandardOutput { get; init; } = true;

    /// <summary>
    /// Whether the output is kept in memory for <see cref="ChildProcess.Output"/>. Default true; a long chatty process (a
    /// soak's worker and clients) turns it off. Line waits then see only lines written after the wait began.
    /// </summary>
    public bool KeepOutput { get; init; } = true;

    /// <summary>Called with every line of standard output, on the output reader's thread.</summary>
    public Action<string>? OnStandardOutput { get; init; }
}
