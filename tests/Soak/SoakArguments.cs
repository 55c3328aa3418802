using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Statehouse.Soak.Load;

namespace Statehouse.Soak;

/// <summary>Command line of the soak (the orchestrator); <c>STATEHOUSE_AMQP</c> fills in the broker when <c>--amqp</c> is absent.</summary>
internal sealed record SoakArguments(
    Uri Amqp,
    int Transactions,
    int Kills,
    int Clients,
    int InFlight,
    int Agents,
    int CommitAttempts,
    TimeSpan MaxDuration,
    string? DataDirectory,
    bool Keep,
    int Seed,
    string WorkerLogLevel)
{
    public const string DefaultAmqp = "amqp://guest:guest@127.0.0.1:5672/";

    public const string Usage = """
        Usage: Statehouse.Soak [--amqp URI] [--transactions N] [--kills K] [--clients P] [--in-flight I] [--agents A]
                               [--commit-attempts C] [--max-seconds S] [--data DIR] [--keep] [--seed SEED]
                               [--worker-log-level LEVEL]
          --amqp              broker URI, loopback only (env STATEHOUSE_AMQP; default amqp://guest:guest@127.0.0.1:5672/)
          --transactions      transactions over all clients (default 2000)
          --kills             SIGKILLs of the worker at random moments, each followed by a restart (default 5)
          --clients           client processes (default 4)
          --in-flight         transactions in flight per client (default 4)
          --agents            agents the transactions write to (default 20, 8 keys each)
          --commit-attempts   attempts per commit, 2 s each, before a client calls it in doubt (default 60; try 2
                              to make in-doubt transactions that the restarted worker may still apply)
          --max-seconds       hard bound on the whole run; exceeding it stops everything and fails (default 600)
          --data              directory for the store, journals and logs; must be empty or new
                              (default .state/soak/<run> in the repository, else under the temp directory)
          --keep              keep the data directory after a passing run (a failing run always keeps it)
          --seed              seed of the random choices (default: random, printed)
          --worker-log-level  the worker's Statehouse log level, e.g. Debug to log every commit (default Information)
        Runs the real worker and client processes, kills and restarts the worker, then checks that no acknowledged commit
        was lost, no transaction is partly visible or applied twice, commit_ts is gapless, and replay reproduces the state.
        Exit code: 0 all invariants hold, 1 a violation (or the time bound was exceeded), 2 the soak could not run.
        """;

    private static readonly string[] s_valued =
        ["--amqp", "--transactions", "--kills", "--clients", "--in-flight", "--agents", "--commit-attempts", "--max-seconds", "--data", "--seed", "--worker-log-level"];

    private static readonly string[] s_flags = ["--keep"];

    private static readonly string[] s_levels = ["Trace", "Debug", "Information", "Warning", "Error", "Critical"];

    /// <summary>Parses the command line; <paramref name="error"/> is <see cref="Usage"/> itself for -h/--help.</summary>
    public static bool TryParse(
        IReadOnlyList<string> args,
        Func<string, string?> environment,
        [NotNullWhen(true)] out SoakArguments? parsed,
        [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        if (!CommandLine.TryParse(args, s_valued, s_flags, out var line, out error))
        {
            error = error == "help" ? Usage : $"{error}\n{Usage}";
            return false;
        }

        var amqpText = line.Value("--amqp") ?? environment("STATEHOUSE_AMQP") ?? DefaultAmqp;
        if (!CommandLine.TryLoopbackAmqp("--amqp", amqpText, out var amqp, out error)
            || !line.TryInt("--transactions", 2000, 1, 10_000_000, out var transactions, out error)
            || !line.TryInt("--kills", 5, 0, 100_000, out var kills, out error)
            || !line.TryInt("--clients", 4, 1, 64, out var clients, out error)
            || !line.TryInt("--in-flight", 4, 1, 256, out var inFlight, out error)
            || !line.TryInt("--agents", 20, 2, 10_000, out var agents, out error)
            || !line.TryInt("--commit-attempts", Workload.MaxCommitAttempts, 1, 100, out var attempts, out error)
            || !line.TryInt("--max-seconds", 600, 1, 7 * 24 * 3600, out var maxSeconds, out error)
            || !line.TryInt("--seed", Random.Shared.Next(), int.MinValue, int.MaxValue, out var seed, out error))
        {
            return false;
        }

        if (kills > 0 && transactions < 10 * kills)
        {
            // Each kill should land while transactions are still running; fewer than ten per kill cannot promise that.
            error = $"--transactions ({transactions}) must be at least 10 × --kills ({kills})";
            return false;
        }

        var level = line.Value("--worker-log-level") ?? "Information";
        if (!s_levels.Contains(level))
        {
            error = $"--worker-log-level must be one of {string.Join(", ", s_levels)}, got '{level}'";
            return false;
        }

        parsed = new SoakArguments(
            amqp, transactions, kills, clients, inFlight, agents, attempts, TimeSpan.FromSeconds(maxSeconds), line.Value("--data"), line.Flag("--keep"), seed, level);
        return true;
    }

    /// <summary>The broker address without credentials, for messages.</summary>
    public string Endpoint => $"{Amqp.Scheme}://{Amqp.Host}:{Amqp.Port.ToString(CultureInfo.InvariantCulture)}{Amqp.AbsolutePath}";
}
