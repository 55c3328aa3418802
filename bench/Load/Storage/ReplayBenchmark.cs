using System.Diagnostics;
using System.Globalization;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Bench.Storage;

/// <summary>
/// Replay scaling: stores of different total sizes but the same number of events per agent, built through
/// <see cref="CommitEngine.Apply"/> in large groups, then one agent replayed, listed and scanned through
/// <see cref="ReadService.Handle(ReadOnlyMemory{byte})"/> (request decoded, reply encoded, as the read consumer
/// does, without the broker). If reads depend on the agent's size only, the per-agent figures match across stores.
/// </summary>
internal sealed class ReplayBenchmark(StorageArguments args, TextWriter output, TextWriter progress)
{
    private const int PageLimit = 1000;
    private const int SampledAgents = 5;

    private static readonly ReadKind[] s_kinds = [ReadKind.Replay, ReadKind.ListKeys, ReadKind.ScanPrefix];
    private static readonly TimeSpan s_readWarmUp = TimeSpan.FromSeconds(3);

    // A worker without authorization settings: every user accepted.
    private static readonly NamespaceAuthorizer s_noAuthorization = new(new AuthorizationOptions());

    public void Run()
    {
        output.WriteLine("## Replay scaling: one agent's reads in stores of different total sizes");
        output.WriteLine();
        output.WriteLine(Invariant($"Each transaction writes {args.Operations} of its agent's {args.KeysPerAgent} keys ({args.ValueBytes}-byte values); agents in round-robin, so events of one agent are spread evenly over the whole log. Stores built through CommitEngine.Apply, {args.BuildGroup} transactions per synced write. Reads through ReadService.Handle: request bytes decoded, reply encoded (no broker), pages of up to {PageLimit}."));
        output.WriteLine();

        var results = new List<StoreResult>();
        foreach (var shape in args.Stores)
        {
            results.Add(MeasureStore(shape));
        }

        output.WriteLine("| store | agents | events per agent | build | tx/s while building | on-disk size |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            output.WriteLine(Invariant(
                $"| {r.Shape.Transactions:N0} tx | {r.Shape.Agents:N0} | {r.Shape.EventsPerAgent:N0} | {r.Build} | {r.BuildRate} | {r.SizeBytes / 1024.0 / 1024.0:F0} MiB |"));
        }

        output.WriteLine();
        output.WriteLine(Invariant($"Times in ms, median (min–max). Cold: {args.ColdRuns} reads, each of another agent, each the first read after reopening the store and evicting its files from the OS page cache (posix_fadvise DONTNEED; RocksDB's block cache is new after the reopen). Warm: {args.Runs} runs over {SampledAgents} agents spread across the store, after a {s_readWarmUp.TotalSeconds} s JIT warm-up of the read path and one untimed pass over them. Warm CPU: median CPU time of the reading thread (what the read costs without waiting for a core or the disk)."));
        output.WriteLine();
        output.WriteLine("| read of one agent | " + string.Join(" | ", results.Select(r => Invariant($"{r.Shape.Transactions:N0} tx: cold | warm | warm CPU"))) + " |");
        output.WriteLine("|---|" + string.Concat(results.Select(_ => "---:|---:|---:|")));
        foreach (var kind in s_kinds)
        {
            // The item count goes with the row only when every store gives the same (the default shapes do).
            var counts = results.Select(r => r.Reads[kind].Items).Distinct().ToList();
            var label = counts.Count == 1 ? Invariant($" ({counts[0]:N0} {(kind == ReadKind.Replay ? "events" : "keys")})") : "";
            output.WriteLine($"| {Describe(kind)}{label} | "
                + string.Join(" | ", results.Select(r => Invariant($"{r.Reads[kind].Cold.Format("F1")} | {r.Reads[kind].Warm.Format("F2")} | {r.Reads[kind].WarmCpu.Median:F2}"))) + " |");
        }

        output.WriteLine();
        output.Flush();
    }

    private StoreResult MeasureStore(StoreShape shape)
    {
        var directory = Path.Combine(args.Root, shape.Name);
        var marker = directory + ".shape";
        var signature = Invariant($"{shape.Transactions} {shape.Agents} {args.Operations} {args.ValueBytes} {args.KeysPerAgent}");
        try
        {
            string build = "reused", buildRate = "–";
            var built = !(args.Reuse && File.Exists(marker) && File.ReadAllText(marker) == signature && Directory.Exists(directory));
            if (built)
            {
                File.Delete(marker);
                var (elapsed, applying) = Build(shape, StoreDirectory.Fresh(args.Root, shape.Name));
                build = Invariant($"{elapsed.TotalSeconds:F1} s");
                buildRate = Invariant($"{shape.Transactions / elapsed.TotalSeconds:F0} ({shape.Transactions / applying.TotalSeconds:F0} in Apply)");
            }
            else
            {
                progress.WriteLine($"replay: reusing {directory}");
            }

            long size;
            string levels;
            // Reopened as a restarted worker would be: RocksDB writes what the log held into table files first.
            using (var store = StateStore.Open(directory))
            {
                if (built)
                {
                    var settled = Settle(store);
                    File.WriteAllText(marker, signature);
                    progress.WriteLine(Invariant($"build {shape.Name}: background flushes and compactions done {settled.TotalSeconds:F1} s after the last commit"));
                }

                if (store.LastCommitTs != shape.Transactions)
                {
                    throw new InvalidOperationException($"the store at {directory} holds {store.LastCommitTs} transactions, not {shape.Transactions}");
                }

                size = StoreDirectory.SizeBytes(directory);
                levels = store.DescribeReadLevels();
            }

            progress.WriteLine($"{shape.Name}: table files per level: {levels}");
            WarmUpReads(directory, shape);
            var reads = new Dictionary<ReadKind, ReadResult>();
            foreach (var kind in s_kinds)
            {
                reads[kind] = MeasureReads(directory, shape, kind);
            }

            return new StoreResult(shape, build, buildRate, size, reads);
        }
        finally
        {
            if (!args.Keep)
            {
                StoreDirectory.Delete(directory);
                File.Delete(marker);
            }
        }
    }

    private (TimeSpan Elapsed, TimeSpan Applying) Build(StoreShape shape, string directory)
    {
        var workload = new Workload(args.Operations, args.ValueBytes, shape.Agents, args.KeysPerAgent, seed: shape.Agents);
        var applying = TimeSpan.Zero;
        var start = Stopwatch.GetTimestamp();
        using var store = StateStore.Open(directory);
        var engine = new CommitEngine(store, new LimitOptions(), TimeProvider.System, s_noAuthorization);
        var step = Math.Max(1, shape.Transactions / 10);
        var nextReport = step;
        var windowStart = start;
        var windowTx = 0L;
        while (workload.Produced < shape.Transactions)
        {
            var group = workload.NextGroup((int)Math.Min(args.BuildGroup, shape.Transactions - workload.Produced));
            var applyStart = Stopwatch.GetTimestamp();
            var result = engine.Apply(group);
            applying += Stopwatch.GetElapsedTime(applyStart);
            if (result.Committed != group.Length)
            {
                throw new InvalidOperationException($"building {directory}: only {result.Committed} of {group.Length} transactions committed");
            }

            windowTx += group.Length;
            if (workload.Produced >= nextReport || workload.Produced == shape.Transactions)
            {
                progress.WriteLine(Invariant(
                    $"build {shape.Name}: {workload.Produced:N0}/{shape.Transactions:N0} tx, {windowTx / Stopwatch.GetElapsedTime(windowStart).TotalSeconds:F0} tx/s over the last {windowTx:N0}"));
                nextReport += step;
                windowStart = Stopwatch.GetTimestamp();
                windowTx = 0;
            }
        }

        return (Stopwatch.GetElapsedTime(start), applying);
    }

    /// <summary>
    /// Waits until no flush or compaction of <paramref name="store"/> is running or pending, so that reads are measured
    /// on a store at rest rather than against a compaction using the second core.
    /// </summary>
    private static TimeSpan Settle(StateStore store)
    {
        string[] busy = ["rocksdb.num-running-compactions", "rocksdb.num-running-flushes", "rocksdb.compaction-pending", "rocksdb.mem-table-flush-pending"];
        var start = Stopwatch.GetTimestamp();
        while (busy.Any(property => store.GetFamilyProperty(property).Any(value => value != 0)))
        {
            if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"{store.Path}: compactions still running after 10 minutes");
            }

            Thread.Sleep(100);
        }

        return Stopwatch.GetElapsedTime(start);
    }

    private ReadResult MeasureReads(string directory, StoreShape shape, ReadKind kind)
    {
        var expected = kind == ReadKind.Replay ? shape.EventsPerAgent : Math.Min(args.KeysPerAgent, shape.EventsPerAgent * args.Operations);
        var cold = new List<double>();
        for (var run = 0; run < args.ColdRuns; run++)
        {
            // A fresh worker's view each time: new RocksDB block cache, none of the store's pages in the OS cache,
            // and an agent the warm runs do not read.
            using var coldStore = StateStore.Open(directory);
            var coldReads = OpenReads(coldStore);
            StoreDirectory.EvictFromPageCache(directory);
            var agent = SampledAgent(shape, run, args.ColdRuns, offset: 1);
            var start = Stopwatch.GetTimestamp();
            var items = ReadAgent(coldReads, kind, agent);
            cold.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            Check(kind, agent, items, expected);
        }

        progress.WriteLine(Invariant($"read {shape.Name} {Describe(kind)}: cold {Summary.Of(cold).Format("F2")} ms"));

        var agents = Enumerable.Range(0, SampledAgents).Select(i => SampledAgent(shape, i, SampledAgents, offset: 0)).ToArray();
        using var store = StateStore.Open(directory);
        var reads = OpenReads(store);
        foreach (var agent in agents)
        {
            Check(kind, agent, ReadAgent(reads, kind, agent), expected);
        }

        var warm = new List<double>();
        var warmCpu = new List<double>();
        for (var run = 0; run < args.Runs; run++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var cpuStart = CpuTime.CurrentThread();
            var runStart = Stopwatch.GetTimestamp();
            ReadAgent(reads, kind, agents[run % agents.Length]);
            warm.Add(Stopwatch.GetElapsedTime(runStart).TotalMilliseconds);
            warmCpu.Add((CpuTime.CurrentThread() - cpuStart).TotalMilliseconds);
        }

        return new ReadResult(expected, Summary.Of(cold), Summary.Of(warm), Summary.Of(warmCpu));
    }

    /// <summary>
    /// Reads for a few seconds before anything is timed, so the read path runs JIT-optimized in every measurement
    /// (cold ones included: those reopen the store and evict its pages, so this leaves them cold).
    /// </summary>
    private static void WarmUpReads(string directory, StoreShape shape)
    {
        using var store = StateStore.Open(directory);
        var reads = OpenReads(store);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; Stopwatch.GetElapsedTime(start) < s_readWarmUp; i++)
        {
            ReadAgent(reads, s_kinds[i % s_kinds.Length], Workload.AgentId(i % shape.Agents));
        }
    }

    /// <summary>The agent in the middle of the <paramref name="index"/>-th of <paramref name="count"/> equal slices of the store's agents.</summary>
    private static string SampledAgent(StoreShape shape, int index, int count, int offset) =>
        Workload.AgentId((int)(((long)shape.Agents * (2 * index + 1) / (2 * count) + offset) % shape.Agents));

    private static void Check(ReadKind kind, string agent, int items, int expected)
    {
        if (items != expected)
        {
            throw new InvalidOperationException($"{Describe(kind)} of {agent} gave {items} items, expected {expected}");
        }
    }

    /// <summary>Reads all of one agent page by page, as a client would; returns the events or keys read.</summary>
    private static int ReadAgent(ReadService reads, ReadKind kind, string agent)
    {
        var items = 0;
        string? afterKey = null;
        long startTs = 0;
        while (true)
        {
            var request = new ReadRequest(WireFormat.SchemaVersion, kind, Workload.Namespace, agent, AfterKey: afterKey, Limit: PageLimit, StartTs: startTs);
            var reply = reads.Handle(WireFormat.Serialize(request));
            _ = WireFormat.Serialize(reply);
            if (reply.ErrorCode != ErrorCode.None)
            {
                throw new InvalidOperationException($"{kind} of {agent} failed: {reply.ErrorCode} {reply.ErrorMessage}");
            }

            items += reply.Events?.Count ?? reply.Keys?.Count ?? reply.Records?.Count ?? 0;
            if (kind == ReadKind.Replay ? reply.NextStartTs == 0 : reply.NextKey is null)
            {
                return items;
            }

            startTs = reply.NextStartTs;
            afterKey = reply.NextKey;
        }
    }

    private static string Describe(ReadKind kind) => kind switch
    {
        ReadKind.Replay => "replay (all events)",
        ReadKind.ListKeys => "list keys",
        ReadKind.ScanPrefix => "scan (keys and values)",
        _ => kind.ToString(),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record ReadResult(int Items, Summary Cold, Summary Warm, Summary WarmCpu);

    private sealed record StoreResult(StoreShape Shape, string Build, string BuildRate, long SizeBytes, Dictionary<ReadKind, ReadResult> Reads);

    private static ReadService OpenReads(StateStore store) =>
        new(store, new ReadServiceOptions { MaxPageSize = PageLimit }, new WorkerHealth(), s_noAuthorization, new WorkerCounters(TimeProvider.System));
}
