using System.Text.Json.Nodes;

namespace Statehouse.Cli.Tests.Infrastructure;

/// <summary>How one run of the CLI ended: its exit code and everything it wrote.</summary>
public sealed record CliResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout parsed as one JSON document (fails the test, showing the output, if it is not).</summary>
    public JsonNode Json()
    {
        try
        {
            return JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("stdout is the JSON literal null");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidOperationException($"stdout of `{CommandLine}` is not one JSON document: {e.Message}\n{this}", e);
        }
    }

    /// <summary>The stdout lines, without trailing blanks.</summary>
    public IReadOnlyList<string> Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

    /// <summary>Asserts the exit code, showing the whole run when it differs.</summary>
    public CliResult ExpectExit(int expected)
    {
        Assert.True(ExitCode == expected, $"expected exit code {expected}, got {ExitCode}\n{this}");
        return this;
    }

    public override string ToString() => $"$ statehouse {CommandLine}\nexit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
