using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Statehouse.Soak.Load;

namespace Statehouse.Soak;

/// <summary>
/// Command line of the soak (the orchestrator): the broker (loopback only; <c>STATEHOUSE_AMQP</c> when <c>--amqp</c>
/// is absent), how many transactions, kills, client processes, in-flight transactions and agents, the per-commit
/// attempts, the run's time bound, where its data goes, the seed and the worker's log level.
/// </summary>
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

    private static readonly Option<string?> s_amqp = new("--amqp")
    {
        Description = $"Broker URI, loopback only [env STATEHOUSE_AMQP; default {DefaultAmqp}]",
        HelpName = "URI",
    };

    private static readonly Option<int> s_transactions = BoundedOption.Create("--transactions", "Transactions over all clients", 1, 10_000_000, 2000);
    private static readonly Option<int> s_kills = BoundedOption.Create("--kills", "SIGKILLs of the worker at random moments, each followed by a restart", 0, 100_000, 5);
    private static readonly Option<int> s_clients = BoundedOption.Create("--clients", "Client processes", 1, 64, 4);
    private static readonly Option<int> s_inFlight = BoundedOption.Create("--in-flight", "Transactions in flight per client", 1, 256, 4);
    private static readonly Option<int> s_agents = BoundedOption.Create("--agents", "Agents the transactions write to, 8 keys each", 2, 10_000, 20);

    private static readonly Option<int> s_commitAttempts = BoundedOption.Create("--commit-attempts",
        "Attempts per commit, 2 s each, before a client calls it in doubt (try 2 to make in-doubt transactions that the restarted worker may still apply)",
        1, 100, Workload.MaxCommitAttempts);

    private static readonly Option<int> s_maxSeconds = BoundedOption.Create("--max-seconds", "Hard bound on the whole run; exceeding it stops everything and fails", 1, 7 * 24 * 3600, 600);

    private static readonly Option<string?> s_data = new("--data")
    {
        Description = "Directory for the store, journals and logs; must be empty or new [default: .state/soak/<run> in the repository, else under the temp directory]",
        HelpName = "DIR",
    };

    private static readonly Option<bool> s_keep = new("--keep") { Description = "Keep the data directory after a passing run (a failing run always keeps it)" };
    private static readonly Option<int?> s_seed = new("--seed") { Description = "Seed of the random choices [default: random, printed]", HelpName = "SEED" };

    private static readonly Option<string> s_workerLogLevel = new Option<string>("--worker-log-level")
    {
        Description = "The worker's Statehouse log level, e.g. Debug to log every commit",
        HelpName = "LEVEL",
        DefaultValueFactory = _ => "Information",
    }.AcceptOnlyFromAmong("Trace", "Debug", "Information", "Warning", "Error", "Critical");

    /// <summary>The soak's options, for its root command.</summary>
    public static IReadOnlyList<Option> Options =>
        [s_amqp, s_transactions, s_kills, s_clients, s_inFlight, s_agents, s_commitAttempts, s_maxSeconds, s_data, s_keep, s_seed, s_workerLogLevel];

    /// <summary>The broker address without credentials, for messages.</summary>
    public string Endpoint => $"{Amqp.Scheme}://{Amqp.Host}:{Amqp.Port.ToString(CultureInfo.InvariantCulture)}{Amqp.AbsolutePath}";

    /// <summary>Parses a command line of the soak's options alone; <paramref name="error"/> holds every usage error.</summary>
    public static bool TryParse(
        IReadOnlyList<string> args,
        Func<string, string?> environment,
        [NotNullWhen(true)] out SoakArguments? parsed,
        [NotNullWhen(false)] out string? error)
    {
        var command = new RootCommand();
        foreach (var option in Options)
        {
            command.Options.Add(option);
        }

        var parse = command.Parse(args);
        if (parse.Errors.Count > 0)
        {
            (parsed, error) = (null, string.Join('\n', parse.Errors.Select(e => e.Message)));
            return false;
        }

        return TryRead(parse, environment, out parsed, out error);
    }

    /// <summary>The arguments of a parse without usage errors, checked together (the broker, kills against transactions).</summary>
    public static bool TryRead(
        ParseResult parse,
        Func<string, string?> environment,
        [NotNullWhen(true)] out SoakArguments? parsed,
        [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        if (!TryLoopbackAmqp("--amqp", parse.GetValue(s_amqp) ?? environment("STATEHOUSE_AMQP") ?? DefaultAmqp, out var amqp, out error))
        {
            return false;
        }

        var (transactions, kills) = (parse.GetValue(s_transactions), parse.GetValue(s_kills));
        if (kills > 0 && transactions < 10 * kills)
        {
            // Each kill should land while transactions are still running; fewer than ten per kill cannot promise that.
            error = $"--transactions ({transactions}) must be at least 10 × --kills ({kills})";
            return false;
        }

        parsed = new SoakArguments(amqp, transactions, kills, parse.GetValue(s_clients), parse.GetValue(s_inFlight), parse.GetValue(s_agents),
            parse.GetValue(s_commitAttempts), TimeSpan.FromSeconds(parse.GetValue(s_maxSeconds)), parse.GetValue(s_data), parse.GetValue(s_keep),
            parse.GetValue(s_seed) ?? Random.Shared.Next(), parse.GetValue(s_workerLogLevel)!);
        return true;
    }

    /// <summary>An amqp:// or amqps:// URI on this machine: the soak kills processes and floods queues, so it stays local.</summary>
    public static bool TryLoopbackAmqp(string name, string text, [NotNullWhen(true)] out Uri? uri, [NotNullWhen(false)] out string? error)
    {
        (uri, error) = (null, null);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("amqp" or "amqps"))
        {
            error = $"{name} must be an amqp:// or amqps:// URI, got '{text}'";
        }
        else if (!parsed.IsLoopback)
        {
            error = $"{name} must name a loopback broker (127.0.0.1, ::1 or localhost), got host '{parsed.Host}'";
        }
        else
        {
            uri = parsed;
        }

        return uri is not null;
    }
}
