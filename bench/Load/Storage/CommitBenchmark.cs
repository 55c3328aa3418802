using System.Diagnostics;
using System.Globalization;
using RocksDbSharp;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;

namespace Statehouse.Bench.Storage;

/// <summary>
/// The commit engine alone on a real, synced, on-disk store: tx/s of <see cref="CommitEngine.Apply"/> per group
/// size (one synced WriteBatch per group, as in production), and the raw synced-write rate of RocksDB on the same
/// disk, which bounds a group size of 1.
/// </summary>
internal sealed class CommitBenchmark(StorageArguments args, TextWriter output, TextWriter progress)
{
    private const int ProbeKeyBytes = 16;
    private const double ProcessWarmUpSeconds = 5;

    // A worker without authorization settings: every user accepted.
    private static readonly NamespaceAuthorizer s_noAuthorization = new(new AuthorizationOptions());

    private readonly Process _process = Process.GetCurrentProcess();

    public void Run()
    {
        output.WriteLine("## Commit engine: CommitEngine.Apply on a synced on-disk store");
        output.WriteLine();
        output.WriteLine(Invariant($"Transactions of {args.Operations} writes of {args.ValueBytes}-byte values to one of {args.Agents} agents ({args.KeysPerAgent} keys each), envelopes serialized before timing, distinct txn_ids; after a {ProcessWarmUpSeconds} s warm-up of the process (JIT tiering), a fresh store per group size, one warm-up and {args.Reps} timed repetitions of ~{args.Seconds} s each. Figures: median (min–max) over the repetitions."));
        output.WriteLine();
        output.WriteLine("| group size | tx/s | synced writes/s | Apply per group, ms (p50 / p99) | CPU µs/tx, Apply thread | CPU µs/tx, whole process | allocated B/tx (Apply thread) |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");

        WarmUpProcess();
        var perGroupMs = new List<(int Group, double Ms)>();
        var cpuMicrosPerTx = 0.0;
        foreach (var group in args.GroupSizes.Order())
        {
            var row = MeasureGroupSize(group);
            perGroupMs.Add((group, row.GroupMs));
            cpuMicrosPerTx = row.ThreadCpuMicrosPerTx;
            output.WriteLine(row.Markdown);
            output.Flush();
        }

        output.WriteLine();
        WriteFit(perGroupMs, cpuMicrosPerTx);
        if (args.Probe)
        {
            WriteProbe();
        }
    }

    private (string Markdown, double GroupMs, double ThreadCpuMicrosPerTx) MeasureGroupSize(int groupSize)
    {
        var directory = StoreDirectory.Fresh(args.Root, Invariant($"commit-g{groupSize}"));
        try
        {
            using var store = StateStore.Open(directory);
            var engine = new CommitEngine(store, new LimitOptions(), TimeProvider.System, s_noAuthorization);
            var workload = new Workload(args.Operations, args.ValueBytes, args.Agents, args.KeysPerAgent, seed: groupSize);

            var rate = WarmUp(engine, workload, groupSize);
            var groupsPerRep = Math.Max(3, (int)Math.Ceiling(rate * args.Seconds / groupSize));
            progress.WriteLine(Invariant($"commit g={groupSize}: warm-up {rate:F0} tx/s; {args.Reps} x {groupsPerRep} groups"));

            var txPerSecond = new List<double>();
            var syncedPerSecond = new List<double>();
            var threadMicrosPerTx = new List<double>();
            var cpuMicrosPerTx = new List<double>();
            var allocatedPerTx = new List<double>();
            var groupMs = new List<double>();
            var latencies = new List<double>();
            for (var rep = 0; rep < args.Reps; rep++)
            {
                var groups = new CommitRequest[groupsPerRep][];
                for (var i = 0; i < groups.Length; i++)
                {
                    groups[i] = workload.NextGroup(groupSize);
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                var synced = store.SyncedWrites;
                var cpu = _process.TotalProcessorTime;
                var threadCpu = CpuTime.CurrentThread();
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var start = Stopwatch.GetTimestamp();
                foreach (var group in groups)
                {
                    var applyStart = Stopwatch.GetTimestamp();
                    Apply(engine, group);
                    latencies.Add(Stopwatch.GetElapsedTime(applyStart).TotalMilliseconds);
                }

                var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                var transactions = (double)groups.Length * groupSize;
                txPerSecond.Add(transactions / seconds);
                syncedPerSecond.Add((store.SyncedWrites - synced) / seconds);
                threadMicrosPerTx.Add((CpuTime.CurrentThread() - threadCpu).TotalMicroseconds / transactions);
                cpuMicrosPerTx.Add((_process.TotalProcessorTime - cpu).TotalMicroseconds / transactions);
                allocatedPerTx.Add((GC.GetAllocatedBytesForCurrentThread() - allocated) / transactions);
                groupMs.Add(seconds * 1000 / groups.Length);
            }

            latencies.Sort();
            var tx = Summary.Of(txPerSecond);
            var markdown = Invariant(
                $"| {groupSize} | {tx.Format("F0")} | {Summary.Of(syncedPerSecond).Format("F0")} | {Summary.Percentile(latencies, 50):F2} / {Summary.Percentile(latencies, 99):F2} | {Summary.Of(threadMicrosPerTx).Format("F0")} | {Summary.Of(cpuMicrosPerTx).Format("F0")} | {Summary.Of(allocatedPerTx).Median:F0} |");
            return (markdown, Summary.Of(groupMs).Median, Summary.Of(threadMicrosPerTx).Median);
        }
        finally
        {
            if (!args.Keep)
            {
                StoreDirectory.Delete(directory);
            }
        }
    }

    /// <summary>
    /// Commits into a throwaway store until the JIT has compiled the commit path at its final (PGO-optimized) tier,
    /// so that the first group size measured does not pay for it; on a busy machine the background compiler lags.
    /// </summary>
    private void WarmUpProcess()
    {
        const int GroupSize = 16;
        var directory = StoreDirectory.Fresh(args.Root, "commit-warmup");
        try
        {
            using var store = StateStore.Open(directory);
            var engine = new CommitEngine(store, new LimitOptions(), TimeProvider.System, s_noAuthorization);
            var workload = new Workload(args.Operations, args.ValueBytes, args.Agents, args.KeysPerAgent, seed: 0);
            var start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < ProcessWarmUpSeconds)
            {
                Apply(engine, workload.NextGroup(GroupSize));
            }
        }
        finally
        {
            StoreDirectory.Delete(directory);
        }
    }

    /// <summary>Runs for one repetition's length so the JIT, RocksDB's memtables and the disk settle; returns the tx/s reached.</summary>
    private double WarmUp(CommitEngine engine, Workload workload, int groupSize)
    {
        var applying = TimeSpan.Zero;
        var transactions = 0L;
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < args.Seconds)
        {
            var group = workload.NextGroup(groupSize);
            var applyStart = Stopwatch.GetTimestamp();
            Apply(engine, group);
            applying += Stopwatch.GetElapsedTime(applyStart);
            transactions += groupSize;
        }

        return transactions / applying.TotalSeconds;
    }

    private static void Apply(CommitEngine engine, CommitRequest[] group)
    {
        var result = engine.Apply(group);
        if (result.Committed != group.Length)
        {
            var failure = result.Outcomes.First(o => o.Reply.ErrorCode != Contracts.ErrorCode.None).Reply;
            throw new InvalidOperationException($"only {result.Committed} of {group.Length} transactions committed: {failure.ErrorCode} {failure.ErrorMessage}");
        }
    }

    /// <summary>
    /// Least-squares line through the mean wall time per group: the intercept is what every synced write costs
    /// whatever its size (the fsync), the slope what each transaction adds (CPU and bytes, plus any wait for a core),
    /// and 1/slope the ceiling that no group size can pass. The Apply thread's own CPU time per transaction at the
    /// largest group gives the ceiling on a core of its own.
    /// </summary>
    private void WriteFit(List<(int Group, double Ms)> points, double cpuMicrosPerTx)
    {
        if (points.Select(p => p.Group).Distinct().Count() < 2)
        {
            return;
        }

        var meanX = points.Average(p => (double)p.Group);
        var meanY = points.Average(p => p.Ms);
        var slope = points.Sum(p => (p.Group - meanX) * (p.Ms - meanY)) / points.Sum(p => (p.Group - meanX) * (p.Group - meanX));
        var intercept = meanY - slope * meanX;
        output.WriteLine(Invariant(
            $"Wall time per group ≈ {intercept:F2} ms + {slope * 1000:F1} µs × group size (least squares over the median mean time per group): each synced write costs ~{intercept:F2} ms whatever it carries; each transaction adds ~{slope * 1000:F1} µs, so no group size can pass ~{1000 / slope:F0} tx/s in this run. The Apply thread's own CPU time, {cpuMicrosPerTx:F0} µs per transaction at the largest group, caps it at ~{1_000_000 / cpuMicrosPerTx:F0} tx/s on a core of its own."));
        output.WriteLine();
    }

    /// <summary>Bare RocksDB on the same disk: one 16-byte key per write, synced and not, to isolate what an fsync costs.</summary>
    private void WriteProbe()
    {
        output.WriteLine("| raw RocksDB write of one 16-byte key (same disk) | writes/s | latency, ms (p50 / p99) |");
        output.WriteLine("|---|---:|---:|");
        var directory = StoreDirectory.Fresh(args.Root, "commit-probe");
        try
        {
            using (var db = RocksDb.Open(new DbOptions().SetCreateIfMissing(true), directory))
            {
                foreach (var sync in new[] { true, false })
                {
                    output.WriteLine(MeasureProbe(db, sync));
                    output.Flush();
                }
            }
        }
        finally
        {
            StoreDirectory.Delete(directory);
        }

        output.WriteLine();
    }

    private string MeasureProbe(RocksDb db, bool sync)
    {
        var options = new WriteOptions().SetSync(sync);
        var key = new byte[ProbeKeyBytes];
        var value = new byte[ProbeKeyBytes];
        var rates = new List<double>();
        var latencies = new List<double>();
        for (var rep = 0; rep <= args.Reps; rep++)
        {
            var writes = 0;
            var start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < args.Seconds / 2)
            {
                BitConverter.TryWriteBytes(key, writes);
                var writeStart = Stopwatch.GetTimestamp();
                db.Put(key, value, writeOptions: options);
                var ms = Stopwatch.GetElapsedTime(writeStart).TotalMilliseconds;
                writes++;
                if (rep > 0)
                {
                    latencies.Add(ms);
                }
            }

            // Repetition 0 is the warm-up.
            if (rep > 0)
            {
                rates.Add(writes / Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }

        latencies.Sort();
        return Invariant(
            $"| sync = {(sync ? "true (fsync of the WAL)" : "false")} | {Summary.Of(rates).Format("F0")} | {Summary.Percentile(latencies, 50):F3} / {Summary.Percentile(latencies, 99):F3} |");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
