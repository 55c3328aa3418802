using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Statehouse.Soak.Faults;
using Statehouse.Soak.Load;

namespace Statehouse.Soak;

/// <summary>
/// Command line of the soak (the orchestrator): the broker (loopback only; <c>STATEHOUSE_AMQP</c> when <c>--amqp</c>
/// is absent; several comma-separated URIs for a cluster's nodes), how many transactions, kills, client processes,
/// in-flight transactions and agents, the per-commit attempts, the run's time bound, where its data goes, the seed and
/// the worker's log level; for a replicated soak the replicas, the faults, how many of each, and the clients' pace.
/// </summary>
internal sealed record SoakArguments(
    IReadOnlyList<Uri> Brokers,
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
    string WorkerLogLevel,
    int Replicas = 0,
    IReadOnlyList<FaultKind>? Faults = null,
    int FaultsEach = 0,
    int Rate = 0)
{
    public const string DefaultAmqp = "amqp://guest:guest@127.0.0.1:5672/";

    private static readonly Option<string?> s_amqp = new("--amqp")
    {
        Description = $"Broker URI, or a cluster's node URIs separated by commas; loopback only [env STATEHOUSE_AMQP; default {DefaultAmqp}]",
        HelpName = "URI",
    };

    private static readonly Option<int> s_transactions = BoundedOption.Create("--transactions", "Transactions over all clients", 1, 10_000_000, 2000);
    private static readonly Option<int> s_kills = BoundedOption.Create("--kills", "SIGKILLs of the worker at random moments, each followed by a restart (0 with --replicas)", 0, 100_000, 5);
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

    private static readonly Option<int> s_replicas = BoundedOption.Create("--replicas",
        "Workers besides the first, each with its own store, all with Statehouse:Replication:Enabled (0: one worker, replication off)", 0, 4, 0);

    private static readonly Option<string?> s_faults = new("--faults")
    {
        Description = $"Replication faults, comma-separated: {string.Join(", ", FaultNames.All.Select(FaultNames.Name))} (needs --replicas; node-loss a cluster of 3 in --amqp)",
        HelpName = "LIST",
    };

    private static readonly Option<int> s_faultsEach = BoundedOption.Create("--faults-each", "How many of each fault of --faults", 1, 10_000, 1);
    private static readonly Option<int> s_rate = BoundedOption.Create("--rate",
        "Transactions per second over all clients, so that slow faults still land under load (0: as fast as they go)", 0, 1_000_000, 0);

    /// <summary>The soak's options, for its root command.</summary>
    public static IReadOnlyList<Option> Options =>
        [s_amqp, s_transactions, s_kills, s_clients, s_inFlight, s_agents, s_commitAttempts, s_maxSeconds, s_data, s_keep, s_seed, s_workerLogLevel,
            s_replicas, s_faults, s_faultsEach, s_rate];

    /// <summary>The first broker: the one a single worker and the soak's own connections use.</summary>
    public Uri Amqp => Brokers[0];

    /// <summary>Every broker URI, as <c>Statehouse:Broker:Uri</c> and the clients take them.</summary>
    public string BrokerList => string.Join(',', Brokers.Select(b => b.ToString()));

    /// <summary>The broker addresses without credentials, for messages.</summary>
    public string Endpoint => string.Join(',', Brokers.Select(b => $"{b.Scheme}://{b.Host}:{b.Port.ToString(CultureInfo.InvariantCulture)}{b.AbsolutePath}"));

    /// <summary>Whether this run replicates: several workers, each with its own store.</summary>
    public bool Replicated => Replicas > 0;

    /// <summary>Every fault of the run, before shuffling: each kind of <see cref="Faults"/> <see cref="FaultsEach"/> times.</summary>
    public int FaultCount => (Faults?.Count ?? 0) * FaultsEach;

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
        if (!TryLoopbackAmqpList("--amqp", parse.GetValue(s_amqp) ?? environment("STATEHOUSE_AMQP") ?? DefaultAmqp, out var brokers, out error))
        {
            return false;
        }

        var (transactions, replicas) = (parse.GetValue(s_transactions), parse.GetValue(s_replicas));
        // The kills' default is the single worker's soak; a replicated run has faults instead unless kills are asked for.
        var kills = replicas > 0 && parse.GetResult(s_kills) is null or { Implicit: true } ? 0 : parse.GetValue(s_kills);
        IReadOnlyList<FaultKind> faults = [];
        if (parse.GetValue(s_faults) is { } faultList && !FaultNames.TryParse(faultList, out faults, out error))
        {
            return false;
        }

        var faultCount = faults.Count * parse.GetValue(s_faultsEach);
        error =
            kills > 0 && transactions < 10 * kills
                // Each kill should land while transactions are still running; fewer than ten per kill cannot promise that.
                ? $"--transactions ({transactions}) must be at least 10 × --kills ({kills})"
            : faultCount > 0 && transactions < 10 * faultCount
                ? $"--transactions ({transactions}) must be at least 10 × the faults ({faultCount} = {faults.Count} kinds × --faults-each)"
            : faults.Count > 0 && replicas == 0
                ? "--faults needs --replicas 1 or more: every fault takes the primary or a broker node away from a replicated deployment"
            : kills > 0 && replicas > 0
                ? "--kills is the single worker's crash soak; with --replicas use --faults"
            : faults.Contains(FaultKind.NodeLoss) && brokers.Count != 3
                ? $"--faults node-loss needs the three nodes of a cluster in --amqp (scripts/cluster.sh start prints them), got {brokers.Count} URI(s)"
            : null;
        if (error is not null)
        {
            return false;
        }

        parsed = new SoakArguments(brokers, transactions, kills, parse.GetValue(s_clients), parse.GetValue(s_inFlight), parse.GetValue(s_agents),
            parse.GetValue(s_commitAttempts), TimeSpan.FromSeconds(parse.GetValue(s_maxSeconds)), parse.GetValue(s_data), parse.GetValue(s_keep),
            parse.GetValue(s_seed) ?? Random.Shared.Next(), parse.GetValue(s_workerLogLevel)!, replicas, faults, faults.Count > 0 ? parse.GetValue(s_faultsEach) : 0,
            parse.GetValue(s_rate));
        return true;
    }

    /// <summary>One URI or several separated by commas (a cluster's nodes), each on this machine (<see cref="TryLoopbackAmqp"/>).</summary>
    public static bool TryLoopbackAmqpList(string name, string text, [NotNullWhen(true)] out IReadOnlyList<Uri>? uris, [NotNullWhen(false)] out string? error)
    {
        var list = new List<Uri>();
        (uris, error) = (null, null);
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryLoopbackAmqp(name, item, out var uri, out error))
            {
                return false;
            }

            list.Add(uri);
        }

        uris = list;
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
