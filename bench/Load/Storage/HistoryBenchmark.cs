using System.Diagnostics;
using System.Globalization;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;

namespace Statehouse.Bench.Storage;

/// <summary>
/// Bounded history's effect on disk (issue 13): the same transactions committed through <see cref="CommitEngine.Apply"/>
/// into two real, synced on-disk stores, one without retention and one with <c>KeepVersions = N</c> whose
/// <see cref="HistoryPruner"/> runs every <see cref="StorageArguments.PruneEvery"/> transactions (as a worker's runs
/// every minute) and once at the end (its passes compact what they removed). In process, without the broker: the store's
/// size does not depend on how the envelopes arrived. Each store is then reopened (RocksDB's recovery writes the
/// memtables out) and measured: the directory's bytes and the live table files per column family.
/// </summary>
internal sealed class HistoryBenchmark(StorageArguments args, TextWriter output, TextWriter progress)
{
    private static readonly NamespaceAuthorizer s_noAuthorization = new(new AuthorizationOptions());

    public void Run()
    {
        output.WriteLine("## Bounded history: store size with and without retention");
        output.WriteLine();
        output.WriteLine(
            Invariant($"{args.Transactions:N0} transactions of {args.Operations} writes of {args.ValueBytes}-byte values over {args.Agents} agents × {args.KeysPerAgent} keys ") +
            Invariant($"({args.Agents * args.KeysPerAgent:N0} records), committed in groups of {args.BuildGroup} through CommitEngine.Apply into a synced on-disk store; ") +
            Invariant($"with retention the pruner runs every {args.PruneEvery:N0} transactions and once at the end. Sizes after reopening the store."));
        output.WriteLine();
        var without = Measure(null);
        var with = Measure(args.KeepVersions);
        output.WriteLine(Invariant($"| | no retention | KeepVersions = {args.KeepVersions} | ratio |"));
        output.WriteLine("|---|---:|---:|---:|");
        Row("store directory, bytes", without.DirectoryBytes, with.DirectoryBytes);
        Row("live table files, bytes", without.TableBytes.Sum(), with.TableBytes.Sum());
        for (var i = 0; i < ColumnFamilies.Length; i++)
        {
            Row($"… {ColumnFamilies[i]}", without.TableBytes[i], with.TableBytes[i]);
        }

        output.WriteLine(Invariant($"| build time, s | {without.BuildSeconds:F0} | {with.BuildSeconds:F0} (pruning {with.PruneSeconds:F1}) | |"));
        output.WriteLine();
        output.WriteLine(Invariant($"Last pass: {with.LastPass}"));
        output.WriteLine();
        output.Flush();
    }

    private static string[] ColumnFamilies { get; } = ["state", "history", "log", "agent_log", "inbox", "meta"];

    private void Row(string what, long without, long with) =>
        output.WriteLine(Invariant($"| {what} | {without:N0} | {with:N0} | {(without == 0 ? "–" : (with / (double)without).ToString("F3", CultureInfo.InvariantCulture))} |"));

    private Sizes Measure(int? keepVersions)
    {
        var name = keepVersions is { } n ? Invariant($"history-keep{n}") : "history-all";
        var directory = StoreDirectory.Fresh(args.Root, name);
        var workload = new Workload(args.Operations, args.ValueBytes, args.Agents, args.KeysPerAgent, seed: 13);
        var build = Stopwatch.StartNew();
        var pruning = TimeSpan.Zero;
        var lastPass = "none";
        try
        {
            using (var store = StateStore.Open(directory))
            {
                var engine = new CommitEngine(store, new LimitOptions(), TimeProvider.System, s_noAuthorization);
                var pruner = keepVersions is { } keep
                    ? new HistoryPruner(store, new HistoryOptions { Retention = new HistoryRetentionOptions { Default = new HistoryRetention { KeepVersions = keep } } }, TimeProvider.System)
                    : null;
                var sincePrune = 0L;
                while (workload.Produced < args.Transactions)
                {
                    var count = (int)Math.Min(args.BuildGroup, args.Transactions - workload.Produced);
                    var result = engine.Apply(workload.NextGroup(count));
                    if (result.Outcomes.Any(o => o.Reply.Status != Contracts.CommitStatus.Committed))
                    {
                        throw new InvalidOperationException("a benchmark transaction was not committed: " + result.Outcomes.First(o => o.Reply.Status != Contracts.CommitStatus.Committed).Reply.ErrorMessage);
                    }

                    sincePrune += count;
                    if (pruner is not null && (sincePrune >= args.PruneEvery || workload.Produced == args.Transactions))
                    {
                        var started = Stopwatch.GetTimestamp();
                        lastPass = string.Join("; ", pruner.PruneOnce().Select(p => Invariant($"{p.Versions:N0} versions and {p.LogEntries:N0} log entries pruned, horizon {p.Horizon:N0}, compacted {p.Compacted}")));
                        pruning += Stopwatch.GetElapsedTime(started);
                        sincePrune = 0;
                    }

                    if (workload.Produced % 100_000 < count)
                    {
                        progress.WriteLine(Invariant($"{name}: {workload.Produced:N0} transactions, {build.Elapsed.TotalSeconds:F0} s"));
                    }
                }
            }

            build.Stop();
            using var reopened = StateStore.Open(directory);
            var tables = reopened.GetFamilyProperty("rocksdb.live-sst-files-size");
            return new Sizes(StoreDirectory.SizeBytes(directory), tables, build.Elapsed.TotalSeconds, pruning.TotalSeconds, lastPass);
        }
        finally
        {
            if (!args.Keep)
            {
                StoreDirectory.Delete(directory);
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Sizes(long DirectoryBytes, IReadOnlyList<long> TableBytes, double BuildSeconds, double PruneSeconds, string LastPass);
}
