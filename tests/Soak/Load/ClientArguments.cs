using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Statehouse.Soak.Load;

/// <summary>Command line of the hidden client sub-mode (<c>Statehouse.Soak client ...</c>), written by the orchestrator.</summary>
internal sealed record ClientArguments(
    Uri Amqp, string Prefix, int Index, int Count, int InFlight, int Agents, int CommitAttempts, int Seed, string JournalPath)
{
    public const string Verb = "client";

    private static readonly string[] s_valued = ["--amqp", "--prefix", "--index", "--count", "--in-flight", "--agents", "--commit-attempts", "--seed", "--journal"];

    /// <summary>The arguments that start a client process with these settings (after the verb).</summary>
    public IReadOnlyList<string> ToArguments() =>
    [
        Verb,
        "--amqp", Amqp.ToString(),
        "--prefix", Prefix,
        "--index", Index.ToString(CultureInfo.InvariantCulture),
        "--count", Count.ToString(CultureInfo.InvariantCulture),
        "--in-flight", InFlight.ToString(CultureInfo.InvariantCulture),
        "--agents", Agents.ToString(CultureInfo.InvariantCulture),
        "--commit-attempts", CommitAttempts.ToString(CultureInfo.InvariantCulture),
        "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        "--journal", JournalPath,
    ];

    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out ClientArguments? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        if (!CommandLine.TryParse(args, s_valued, [], out var line, out error))
        {
            return false;
        }

        if (!CommandLine.TryLoopbackAmqp("--amqp", line.Value("--amqp") ?? "", out var amqp, out error)
            || !line.TryInt("--index", -1, 0, 1000, out var index, out error)
            || !line.TryInt("--count", -1, 0, int.MaxValue, out var count, out error)
            || !line.TryInt("--in-flight", -1, 1, 256, out var inFlight, out error)
            || !line.TryInt("--agents", -1, 2, 10_000, out var agents, out error)
            || !line.TryInt("--commit-attempts", Workload.MaxCommitAttempts, 1, 100, out var attempts, out error)
            || !line.TryInt("--seed", 0, int.MinValue, int.MaxValue, out var seed, out error))
        {
            return false;
        }

        if (line.Value("--prefix") is not { Length: > 0 } prefix || line.Value("--journal") is not { Length: > 0 } journal
            || index < 0 || count < 0 || inFlight < 1 || agents < 2)
        {
            error = "client mode needs --amqp, --prefix, --index, --count, --in-flight, --agents and --journal";
            return false;
        }

        parsed = new ClientArguments(amqp, prefix, index, count, inFlight, agents, attempts, seed, journal);
        return true;
    }
}
