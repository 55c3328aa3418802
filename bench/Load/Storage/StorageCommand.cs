using System.CommandLine;
using System.Globalization;
using Statehouse.Bench.Processes;

namespace Statehouse.Bench.Storage;

/// <summary>
/// <c>storage commit|replay|all|history</c>: the storage benchmarks, in process, on synced on-disk stores. Every option is
/// accepted after any of the three (they are recursive), as the former Statehouse.Bench.Storage tool accepted them.
/// </summary>
internal static class StorageCommand
{
    private static readonly Option<int[]?> s_groups = List("--groups", "1,8,64,256", "Group sizes (transactions per synced write)", text => Whole("--groups", text, 1, 10_000));
    private static readonly Option<double> s_seconds = Ranged(new Option<double>("--seconds") { Description = "Length of one timed repetition", DefaultValueFactory = _ => 2 }, 0.1, 600);
    private static readonly Option<int> s_reps = Int("--reps", 5, 1, 1000, "Timed repetitions per group size, after one warm-up of the same length");
    private static readonly Option<int> s_agents = Int("--agents", 1000, 1, 10_000_000, "Agents the commit transactions rotate over");
    private static readonly Option<bool> s_noProbe = new("--no-probe") { Description = "Skip the raw RocksDB write probe (e.g. to profile Apply alone)", Recursive = true };
    private static readonly Option<StoreShape[]?> s_stores = List("--stores", "100000:100,1000000:1000", "transactions:agents of each replay store (built through CommitEngine.Apply)", StoreShape.Parse);
    private static readonly Option<int> s_buildGroup = Int("--build-group", 1000, 1, 10_000, "Transactions per synced write while building a replay store");
    private static readonly Option<int> s_runs = Int("--runs", 20, 1, 10_000, "Warm runs per read kind");
    private static readonly Option<int> s_coldRuns = Int("--cold-runs", 5, 1, 100, "Cold runs per read kind (each after reopening the store and evicting its files from the page cache)");
    private static readonly Option<bool> s_reuse = new("--reuse") { Description = "Use a store left by an earlier --keep run when its shape matches (skips the build)", Recursive = true };
    private static readonly Option<int> s_ops = Int("--ops", 3, 1, 1000, "Writes per transaction");
    private static readonly Option<int> s_valueBytes = Int("--value-bytes", 200, 3, 257, "Bytes per value (a MessagePack binary, header included)");
    private static readonly Option<int> s_keys = Int("--keys", 8, 1, 1_000_000, "Keys per agent (each transaction writes --ops of them, rotating)");
    private static readonly Option<string?> s_dir = new("--dir") { Description = "Root of the stores (default: <repo>/.state/bench-storage)", Recursive = true };
    private static readonly Option<int> s_transactions = Int("--transactions", 1_000_000, 1000, 100_000_000, "history: transactions committed into each of the two stores");
    private static readonly Option<int> s_keepVersions = Int("--keep-versions", 10, 1, 1_000_000, "history: N of the store with retention (KeepVersions)");
    private static readonly Option<int> s_pruneEvery = Int("--prune-every", 100_000, 1000, 100_000_000, "history: transactions between pruning passes");
    private static readonly Option<bool> s_keep = new("--keep") { Description = "Leave the stores on disk (default: delete them when done)", Recursive = true };

    public static Command Create()
    {
        var command = new Command("storage", "Storage benchmarks: the commit engine alone on a synced on-disk store, and replay scaling; Markdown tables on stdout.");
        foreach (var option in new Option[] { s_groups, s_seconds, s_reps, s_agents, s_noProbe, s_stores, s_buildGroup, s_runs, s_coldRuns, s_reuse, s_ops, s_valueBytes, s_keys, s_dir, s_keep, s_transactions, s_keepVersions, s_pruneEvery })
        {
            command.Options.Add(option);
        }

        command.Subcommands.Add(Run("commit", "tx/s of CommitEngine.Apply on a synced on-disk store per group size, and the raw synced-write rate (--groups, --seconds, --reps, --agents, --no-probe)"));
        command.Subcommands.Add(Run("replay", "Time to replay, list and scan one agent in stores of different total sizes (--stores, --build-group, --runs, --cold-runs, --reuse)"));
        command.Subcommands.Add(Run("all", "commit, then replay"));
        command.Subcommands.Add(Run("history", "Store size after --transactions with and without retention KeepVersions = --keep-versions (--build-group, --prune-every, --agents, --keys, --ops)"));
        return command;
    }

    private static Command Run(string name, string description)
    {
        var command = new Command(name, description);
        command.SetAction(parse =>
        {
            var (keys, ops) = (parse.GetValue(s_keys), parse.GetValue(s_ops));
            if (keys >= ops)
            {
                return StorageBench.Run(Arguments(name, parse), Console.Out, Console.Error);
            }

            Console.Error.WriteLine($"--keys ({keys}) must be at least --ops ({ops}): a transaction writes distinct keys");
            return 2;
        });
        return command;
    }

    private static StorageArguments Arguments(string command, ParseResult parse) => new(
        command,
        parse.GetValue(s_groups) ?? [1, 8, 64, 256],
        parse.GetValue(s_seconds),
        parse.GetValue(s_reps),
        parse.GetValue(s_stores) ?? [new(100_000, 100), new(1_000_000, 1000)],
        parse.GetValue(s_buildGroup),
        parse.GetValue(s_runs),
        parse.GetValue(s_coldRuns),
        parse.GetValue(s_reuse),
        !parse.GetValue(s_noProbe),
        parse.GetValue(s_ops),
        parse.GetValue(s_valueBytes),
        parse.GetValue(s_keys),
        parse.GetValue(s_agents),
        parse.GetValue(s_dir) is { } dir ? Path.GetFullPath(dir) : BenchPaths.StorageDirectory(),
        parse.GetValue(s_keep),
        parse.GetValue(s_transactions),
        parse.GetValue(s_keepVersions),
        parse.GetValue(s_pruneEvery));

    private static Option<int> Int(string name, int fallback, int min, int max, string description) =>
        Ranged(new Option<int>(name) { Description = description, DefaultValueFactory = _ => fallback }, min, max);

    /// <summary>Recursive, and refused outside [<paramref name="min"/>, <paramref name="max"/>] with the bounds in the message.</summary>
    private static Option<T> Ranged<T>(Option<T> option, T min, T max)
        where T : System.Numerics.INumber<T>
    {
        option.Recursive = true;
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (value < min || value > max)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be from {min} to {max}, got {value}"));
            }
        });
        return option;
    }

    /// <summary>A comma-separated list, each item parsed by <paramref name="item"/> (which throws <see cref="FormatException"/>); null when absent.</summary>
    private static Option<T[]?> List<T>(string name, string fallback, string description, Func<string, T> item) =>
        new(name)
        {
            Description = $"{description} [default: {fallback}]",
            Recursive = true,
            CustomParser = result =>
            {
                try
                {
                    return [.. result.Tokens.Single().Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(item)];
                }
                catch (FormatException e)
                {
                    result.AddError(e.Message);
                    return null;
                }
            },
        };

    /// <summary>A whole number within bounds; throws <see cref="FormatException"/> naming <paramref name="name"/> otherwise.</summary>
    public static int Whole(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"{name} must be a whole number from {min} to {max}, got '{text}'");
}
