using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Statehouse.Bench.Storage;

/// <summary>Command line of the storage benchmarks.</summary>
internal sealed record BenchArguments(
    string Command,
    IReadOnlyList<int> GroupSizes,
    double Seconds,
    int Reps,
    IReadOnlyList<StoreShape> Stores,
    int BuildGroup,
    int Runs,
    int ColdRuns,
    bool Reuse,
    bool Probe,
    int Operations,
    int ValueBytes,
    int KeysPerAgent,
    int Agents,
    string Root,
    bool Keep)
{
    public const string Usage = """
        Usage: Statehouse.Bench.Storage <commit|replay|all> [options]
          commit   tx/s of CommitEngine.Apply on a synced on-disk store, per group size, and the raw synced-write rate
            --groups 1,8,64,256   group sizes (transactions per synced write)
            --seconds 2           length of one timed repetition
            --reps 5              timed repetitions per group size, after one warm-up of the same length
            --agents 1000         agents the transactions rotate over
            --no-probe            skip the raw RocksDB write probe (e.g. to profile Apply alone)
          replay   time to replay, list and scan one agent in stores of different total sizes (ReadService.Handle)
            --stores 100000:100,1000000:1000   transactions:agents of each store (built through CommitEngine.Apply)
            --build-group 1000    transactions per synced write while building
            --runs 20             warm runs per read kind
            --cold-runs 5         cold runs per read kind (each after reopening the store and evicting its files from the page cache)
            --reuse               use a store left by an earlier --keep run when its shape matches (skips the build)
          all      commit, then replay
          common
            --ops 3               writes per transaction
            --value-bytes 200     bytes per value (a MessagePack binary, header included)
            --keys 8              keys per agent (each transaction writes --ops of them, rotating)
            --dir DIR             root of the stores (default: <repo>/.state/bench-storage)
            --keep                leave the stores on disk (default: delete them when done)
        """;

    private static readonly string[] s_valued =
        ["--groups", "--seconds", "--reps", "--agents", "--stores", "--build-group", "--runs", "--cold-runs", "--ops", "--value-bytes", "--keys", "--dir"];

    public bool RunsCommit => Command is "commit" or "all";

    public bool RunsReplay => Command is "replay" or "all";

    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out BenchArguments? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        if (args.Count == 0 || args[0] is "-h" or "--help")
        {
            error = Usage;
            return false;
        }

        var command = args[0];
        if (command is not ("commit" or "replay" or "all"))
        {
            error = $"unknown command '{command}'\n{Usage}";
            return false;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--reuse" or "--keep" or "--no-probe")
            {
                flags.Add(name);
            }
            else if (!s_valued.Contains(name))
            {
                error = $"unknown argument '{name}'\n{Usage}";
                return false;
            }
            else if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value";
                return false;
            }
            else
            {
                values[name] = args[++i];
            }
        }

        try
        {
            var operations = Int(values, "--ops", 3, 1, 1000);
            var keys = Int(values, "--keys", 8, 1, 1_000_000);
            if (keys < operations)
            {
                throw new FormatException($"--keys ({keys}) must be at least --ops ({operations}): a transaction writes distinct keys");
            }

            parsed = new BenchArguments(
                command,
                [.. List(values, "--groups", "1,8,64,256").Select(g => ParseInt("--groups", g, 1, 10_000))],
                Double(values, "--seconds", 2, 0.1, 600),
                Int(values, "--reps", 5, 1, 1000),
                [.. List(values, "--stores", "100000:100,1000000:1000").Select(StoreShape.Parse)],
                Int(values, "--build-group", 1000, 1, 10_000),
                Int(values, "--runs", 20, 1, 10_000),
                Int(values, "--cold-runs", 5, 1, 100),
                flags.Contains("--reuse"),
                !flags.Contains("--no-probe"),
                operations,
                Int(values, "--value-bytes", 200, 3, 257),
                keys,
                Int(values, "--agents", 1000, 1, 10_000_000),
                values.TryGetValue("--dir", out var dir) ? Path.GetFullPath(dir) : StoreDirectory.DefaultRoot(),
                flags.Contains("--keep"));
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }

        error = null;
        return true;
    }

    private static string[] List(Dictionary<string, string> values, string name, string fallback) =>
        values.GetValueOrDefault(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int Int(Dictionary<string, string> values, string name, int fallback, int min, int max) =>
        values.TryGetValue(name, out var text) ? ParseInt(name, text, min, max) : fallback;

    private static double Double(Dictionary<string, string> values, string name, double fallback, double min, double max)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"{name} must be a number from {min} to {max}, got '{text}'");
    }

    internal static int ParseInt(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"{name} must be a whole number from {min} to {max}, got '{text}'");
}
