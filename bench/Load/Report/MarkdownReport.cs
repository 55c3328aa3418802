using System.Text;
using Statehouse.Bench.Results;

namespace Statehouse.Bench.Report;

/// <summary>docs/benchmarks.md: machine, setup, table, chart, ratios, targets, CPU shares, memory check, how to run.</summary>
internal static class MarkdownReport
{
    public static string Render(BenchRun run, RssRun? rss, string svgPath, string? notes, BenchRun? replication = null, string? replicationNotes = null)
    {
        var md = new StringBuilder();
        var machine = run.Machine;
        Line(md, "# Benchmarks");
        Line(md);
        Line(md, $"Measured {run.StartedAt:yyyy-MM-dd HH:mm} UTC by `scripts/bench.sh` (the load tool `bench/Load`, `Statehouse.Bench run`, then " +
            "`Statehouse.Bench report`, which wrote this page and the chart). All modes ran one after another on the same broker, with the same " +
            "queue type, message sizes and concurrency, so the ratios below compare like with like even on a noisy machine; the absolute figures " +
            "are this machine's.");
        Line(md);

        Line(md, "## Machine");
        Line(md);
        Line(md, "| | |");
        Line(md, "| --- | --- |");
        Line(md, $"| CPU | {machine.Cores} cores, {machine.CpuModel} |");
        Line(md, $"| memory | {machine.MemoryBytes / (1L << 30)} GiB |");
        Line(md, $"| OS, kernel | {machine.OperatingSystem}, Linux {machine.Kernel} |");
        Line(md, $"| runtime | {machine.Runtime} |");
        var disk = machine.Disk;
        var kind = disk.Rotational switch { true => ", rotational", false => ", non-rotational", null => "" };
        Line(md, $"| disk under the stores | `{disk.MountPoint}`: {disk.FileSystem} on {disk.Device}{(disk.Model is null ? "" : $" ({disk.Model})")}{kind} |");
        Line(md, $"| fsync of 4 KiB there | median {Format.Ms(machine.Fsync.MedianMs)} ms, p99 {Format.Ms(machine.Fsync.P99Ms)} ms, ≈ {Format.Rate(machine.Fsync.PerSecond)} fsyncs/s in a row |");
        Line(md, $"| broker | {machine.BrokerVersion ?? "unknown"}, on the same machine (loopback) |");
        if (machine.PostgresVersion is not null)
        {
            Line(md, $"| PostgreSQL | {machine.PostgresVersion}, on the same machine (loopback), synchronous_commit=on, fsync=on |");
        }

        Line(md);
        Line(md, "The clients, the broker, the worker (or the echo server, or PostgreSQL) all share these cores: what one of them uses, the others cannot.");
        Line(md);

        Line(md, "## Setup");
        Line(md);
        var s = run.Shape;
        Line(md, $"- Load: C = {s.Clients} client connections × I = {s.InFlight} transactions in flight each ({s.Slots} in all), O = {s.Operations} writes per " +
            $"transaction, V = {s.ValueBytes}-byte values; each in-flight slot writes its own agent, cycling over {s.KeysPerAgent} keys.");
        Line(md, $"- Each mode: {run.WarmupSeconds:0} s warm-up (not measured), then {run.DurationSeconds:0} s measured. Latency is from the start of " +
            "`CommitAsync` to its reply, recorded in an HdrHistogram; throughput counts transactions that completed inside the measured window.");
        Line(md, "- `echo`: the bench's echo server (a separate process) consumes the same envelopes from a quorum queue declared with the worker's " +
            $"arguments, with the worker's prefetch ({run.Prefetch}) and grouping (up to {run.MaxBatchCount} ready deliveries), decodes each envelope, " +
            "replies with a committed `CommitReply`, acks the group with multiple = true and announces on the commits exchange — everything the " +
            "worker does except the synced RocksDB write. The clients are the real `StatehouseClient`. This is the broker's ceiling on this machine.");
        Line(md, $"- `commit`: a fresh worker (Release build, empty store under `.state/bench/`), default settings (group commit up to {run.MaxBatchCount}, " +
            $"prefetch {run.Prefetch}).");
        Line(md, "- `commit-batch1`: the same with `--Statehouse:Commit:MaxBatchCount=1`: one synced write (fsync) per transaction.");
        Line(md, $"- `postgres`: the same transaction shape against PostgreSQL via Npgsql: {s.Operations} upserts (`INSERT … ON CONFLICT DO UPDATE`, " +
            $"the latest value and version per agent and key) sent as one batch inside a transaction, then `COMMIT`, with synchronous_commit=on, over a pool " +
            $"of {s.Slots} connections (one per in-flight slot). Statehouse writes more per transaction (history, log, inbox entries besides the state).");
        Line(md, "- `commit-half`, `echo-half`: open loop at half the `commit` throughput of this run (transactions start on a fixed schedule; latency " +
            "counts from the scheduled start, so a stall is not hidden by the generator waiting for it), for the half-load latency target.");
        Line(md);

        Line(md, "## Results");
        Line(md);
        WriteResults(md, run);
        Line(md);
        Line(md, $"![Throughput and p99 latency per mode]({svgPath.Replace('\\', '/')})");
        Line(md);

        Line(md, "## Ratios");
        Line(md);
        WriteRatios(md, run, rss);
        Line(md);
        Line(md, "## Targets (issue 4)");
        Line(md);
        Line(md, "| target | figure | verdict |");
        Line(md, "| --- | --- | --- |");
        foreach (var check in TargetCheck.Evaluate(run, rss))
        {
            var verdict = check.Met switch { true => "**met**", false => "**not met**", null => check.Verdict };
            Line(md, $"| {check.Target} | {check.Figure} | {verdict} |");
        }

        Line(md);
        Line(md, "## Where the CPU went");
        Line(md);
        Line(md, $"CPU time used during each measured window, as a share of one core (the machine has {machine.Cores}, so {machine.Cores * 100} % is everything). " +
            "Server is what answered: the worker, the echo server, or all PostgreSQL processes. Broker is RabbitMQ's Erlang VM (beam.smp). " +
            "Clients is the bench process. Machine is the share of all cores busy, whoever used them (other work on the machine included).");
        Line(md);
        WriteCpu(md, run);
        Line(md);
        if (run.Find(ModeNames.Commit) is { } commit)
        {
            Line(md, Bottleneck(commit, machine));
            Line(md);
        }

        if (rss is not null)
        {
            WriteRss(md, rss);
        }

        if (!string.IsNullOrWhiteSpace(notes))
        {
            Line(md, "## Analysis");
            Line(md);
            Line(md, notes.Trim());
            Line(md);
        }

        if (replication is not null && ReplicationFigures.From(replication) is { } figures)
        {
            WriteReplication(md, replication, figures, replicationNotes);
        }

        Line(md, "## How to run");
        Line(md);
        Line(md, "```sh");
        Line(md, "scripts/bench.sh                      # the comparison above (broker, PostgreSQL, Release builds, run, this page)");
        Line(md, "scripts/bench.sh replication          # commit and commit-replicated on the 3-node cluster (scripts/cluster.sh), then this page");
        Line(md, "BENCH_SECONDS=5 BENCH_OUT=.state/bench-out scripts/bench.sh   # a quick check that leaves docs/ alone");
        Line(md, "scripts/bench.sh rss                  # the memory check (BENCH_RSS_COUNT=1000000), then this page again");
        Line(md, "scripts/bench.sh report               # this page and the chart from the JSON files in docs/");
        Line(md, "```");
        Line(md);
        Line(md, "Settings (environment): `BENCH_CLIENTS` (8), `BENCH_INFLIGHT` (8), `BENCH_OPS` (3), `BENCH_VALUE_BYTES` (200), `BENCH_SECONDS` (30), " +
            "`BENCH_WARMUP` (5), `BENCH_MODES` (all), `BENCH_RSS_COUNT` (1000000), `BENCH_OUT` (docs). The tool itself: " +
            "`dotnet bench/Load/bin/Release/net10.0/Statehouse.Bench.dll run --help`. Raw figures: `benchmarks.json` (and `benchmarks-rss.json`) beside this page.");
        return md.ToString();
    }

    /// <summary>What the console shows after a run: the results, the CPU shares, the ratios and each mode's first error.</summary>
    public static string Summary(BenchRun run)
    {
        var md = new StringBuilder();
        WriteResults(md, run);
        Line(md);
        WriteCpu(md, run);
        Line(md);
        WriteRatios(md, run, rss: null);
        foreach (var m in run.Modes.Where(m => m.FirstError is not null))
        {
            Line(md, $"- `{m.Mode}` first error: {m.FirstError}");
        }

        if (ReplicationFigures.From(run) is { } figures)
        {
            Line(md);
            WriteReplicationFigures(md, figures);
        }

        return md.ToString();
    }

    /// <summary>What the console shows after a memory check: its figures.</summary>
    public static string Summary(RssRun rss)
    {
        var md = new StringBuilder();
        WriteRssFigures(md, rss);
        return md.ToString();
    }

    private static void WriteResults(StringBuilder md, BenchRun run)
    {
        Line(md, "| mode | tx/s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | tx per fsync | fsyncs/s | server peak RSS | errors |");
        Line(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var m in run.Modes)
        {
            var rate = m.RatePerSecond is { } r ? $"{Format.Rate(m.TxPerSecond)} (offered {Format.Rate(r)})" : Format.Rate(m.TxPerSecond);
            Line(md, $"| `{m.Mode}` | {rate} | {Format.Ms(m.Latency.P50Ms)} | {Format.Ms(m.Latency.P95Ms)} | {Format.Ms(m.Latency.P99Ms)} | " +
                $"{Format.Ms(m.Latency.P999Ms)} | {Format.Ms(m.Latency.MaxMs)} | {Format.Number(m.TxPerSyncedWrite)} | {Format.Number(m.FsyncsPerSecond, "0")} | " +
                $"{(m.ServerPeakRssBytes is null ? "–" : Format.Mb(m.ServerPeakRssBytes) + " MB")} | {Format.Count(m.Errors)} |");
        }

    }

    private static void WriteRatios(StringBuilder md, BenchRun run, RssRun? rss)
    {
        var ratios = Ratios.From(run);
        Line(md, $"- commit / echo throughput: **{Format.Ratio(ratios.CommitOverEcho)}**");
        Line(md, $"- group commit / batch size 1 throughput: **{Format.Ratio(ratios.GroupOverBatch1)}**");
        Line(md, $"- commit / PostgreSQL throughput: **{Format.Ratio(ratios.CommitOverPostgres)}**");
        Line(md, $"- p99 at half load ({(ratios.HalfLoadRate is { } hr ? Format.Rate(hr) + " tx/s" : "–")}), commit / echo: **{Format.Ratio(ratios.HalfLoadP99CommitOverEcho)}**");
        var commit = run.Find(ModeNames.Commit);
        if (commit?.ServerPeakRssBytes is { } peak)
        {
            Line(md, $"- worker peak RSS in the {run.DurationSeconds:0} s `commit` run: **{Format.Mb(peak)} MB**" +
                (rss is null ? "" : $"; in the memory check ({Format.Count(rss.Transactions)} transactions): **{Format.Mb(rss.PeakRssBytes)} MB**"));
        }

    }

    private static void WriteCpu(StringBuilder md, BenchRun run)
    {
        Line(md, "| mode | server | broker | clients | machine busy |");
        Line(md, "| --- | ---: | ---: | ---: | ---: |");
        foreach (var m in run.Modes)
        {
            Line(md, $"| `{m.Mode}` | {Format.Percent(m.Server?.PercentOfOneCore)} | {Format.Percent(m.Broker?.PercentOfOneCore)} | " +
                $"{Format.Percent(m.Bench.PercentOfOneCore)} | {Format.Percent(m.MachineBusyPercent)} |");
        }

    }

    private static void WriteRssFigures(StringBuilder md, RssRun rss)
    {
        Line(md, "| | |");
        Line(md, "| --- | ---: |");
        Line(md, $"| RSS when ready (idle) | {Format.Mb(rss.StartRssBytes)} MB |");
        Line(md, $"| RSS at 10–20 % of the run | {Format.Mb(rss.EarlyRssBytes)} MB |");
        Line(md, $"| RSS in the last 10 % | {Format.Mb(rss.LateRssBytes)} MB |");
        Line(md, $"| RSS at the end | {Format.Mb(rss.EndRssBytes)} MB |");
        Line(md, $"| peak RSS (VmHWM) | {Format.Mb(rss.PeakRssBytes)} MB |");
        Line(md, $"| trend after the first 10 % | {Format.Number(rss.SlopeBytesPer100kTx / 1048576.0, "0.00")} MB per 100,000 transactions |");
        Line(md, $"| store on disk at the end | {Format.Mb(rss.StoreBytes)} MB |");
        Line(md, $"| p99 latency | {Format.Ms(rss.Latency.P99Ms)} ms |");
        Line(md, $"| errors | {Format.Count(rss.Errors)} |");
        Line(md, $"| flat (last 10 % within 10 % or 16 MB of the 10–20 % level) | {(rss.Flat ? "yes" : "no")} |");
    }

    /// <summary>What bounded the group-commit throughput, as far as the window's CPU and fsync figures tell.</summary>
    private static string Bottleneck(ModeResult commit, MachineInfo machine)
    {
        var worker = commit.Server?.PercentOfOneCore ?? 0;
        var broker = commit.Broker?.PercentOfOneCore ?? 0;
        var clients = commit.Bench.PercentOfOneCore;
        var capacity = machine.Cores * 100.0;
        var busy = commit.MachineBusyPercent * machine.Cores;
        var ours = worker + broker + clients;
        var other = Math.Max(0, busy - ours);
        var text = $"During `commit` the worker used {Format.Percent(worker)} of a core, the broker {Format.Percent(broker)}, the clients " +
            $"{Format.Percent(clients)}: {Format.Percent(ours)} of the machine's {Format.Percent(capacity)}; the machine was busy " +
            $"{Format.Percent(busy)} in all, so other work on it took {Format.Percent(other)}.";
        if (commit.TxPerSyncedWrite is { } group)
        {
            text += $" Each synced write carried {Format.Number(group)} transactions on average ({Format.Number(commit.FsyncsPerSecond, "0")} fsyncs/s; " +
                $"the disk does about {Format.Rate(machine.Fsync.PerSecond)} in a row).";
        }

        var verdict = busy >= 0.9 * capacity
            ? ours >= 0.8 * busy
                ? " The cores were saturated by the benchmark's own processes: CPU, not the disk, bounded the throughput."
                : " The cores were saturated, largely by other work on the machine: these figures are bounded by CPU contention, and the ratios matter more than the absolute numbers."
            : commit.FsyncsPerSecond is { } f && f >= 0.7 * machine.Fsync.PerSecond
                ? " The fsync rate was close to what the disk does in a row: the disk bounded the throughput."
                : " Neither the cores nor the disk were saturated: round trips (publish, confirm, group, fsync, reply) at this concurrency bounded the throughput.";
        return text + verdict;
    }

    private static void WriteRss(StringBuilder md, RssRun rss)
    {
        Line(md, "## Memory check");
        Line(md);
        var partial = rss.Count < TargetCheck.RssTargetCount
            ? $" This run committed {Format.Count(rss.Count)} transactions, not the target's {Format.Count(TargetCheck.RssTargetCount)}, to fit the time available; `scripts/bench.sh rss` runs the full count."
            : "";
        Line(md, $"A fresh worker with default settings committed {Format.Count(rss.Transactions)} transactions (C={rss.Shape.Clients}, I={rss.Shape.InFlight}, " +
            $"O={rss.Shape.Operations}, V={rss.Shape.ValueBytes} B) at {Format.Rate(rss.TxPerSecond)} tx/s over {rss.Seconds:0} s, measured " +
            $"{rss.StartedAt:yyyy-MM-dd HH:mm} UTC; its resident set (VmRSS) was sampled every second.{partial}");
        Line(md);
        WriteRssFigures(md, rss);
        Line(md);
        Line(md, "RSS over the run (every tenth of the transactions):");
        Line(md);
        Line(md, "| transactions | " + string.Join(" | ", Deciles(rss).Select(d => Format.Count(d.Transactions))) + " |");
        Line(md, "| --- | " + string.Join(" | ", Deciles(rss).Select(_ => "---:")) + " |");
        Line(md, "| RSS MB | " + string.Join(" | ", Deciles(rss).Select(d => Format.Mb(d.RssBytes))) + " |");
        Line(md);
    }

    private static void WriteReplication(StringBuilder md, BenchRun run, ReplicationFigures figures, string? notes)
    {
        var s = run.Shape;
        Line(md, "## Replication");
        Line(md);
        Line(md, $"Measured {run.StartedAt:yyyy-MM-dd HH:mm} UTC by `scripts/bench.sh replication` on a local 3-node RabbitMQ cluster (`scripts/cluster.sh`, " +
            $"the three nodes on this machine): `{ModeNames.Commit}` is one worker without replication, `{ModeNames.CommitReplicated}` a primary and one " +
            "replica, each with its own empty store, `Statehouse:Replication:Enabled=true` (every group is published to the log stream and confirmed " +
            "by a quorum of its replicas before the primary's synced write; the replica follows the log into its own store). Both modes ran one after " +
            $"the other in one invocation on the same cluster with the same load: C = {s.Clients} × I = {s.InFlight}, O = {s.Operations} writes of " +
            $"V = {s.ValueBytes} B, {run.WarmupSeconds:0} s warm-up, then {run.DurationSeconds:0} s measured. Broker CPU is the three nodes' " +
            "`beam.smp` together (found by their listening AMQP ports in /proc); worker CPU is each worker process's.");
        Line(md);
        WriteReplicationFigures(md, figures);
        Line(md);
        if (!string.IsNullOrWhiteSpace(notes))
        {
            Line(md, notes.Trim());
            Line(md);
        }
    }

    /// <summary>The side-by-side table, the ratios and the replica's lag.</summary>
    private static void WriteReplicationFigures(StringBuilder md, ReplicationFigures f)
    {
        Line(md, "| mode | tx/s | p50 ms | p99 ms | p99.9 ms | broker CPU per tx | worker (primary) CPU per tx | replica CPU per tx | machine busy | errors |");
        Line(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var m in new[] { f.Single, f.Replicated })
        {
            Line(md, $"| `{m.Mode}` | {Format.Rate(m.TxPerSecond)} | {Format.Ms(m.Latency.P50Ms)} | {Format.Ms(m.Latency.P99Ms)} | {Format.Ms(m.Latency.P999Ms)} | " +
                $"{CpuMs(ReplicationFigures.CpuMsPerTransaction(m, m.Broker))} | {CpuMs(ReplicationFigures.CpuMsPerTransaction(m, m.Server))} | " +
                $"{CpuMs(ReplicationFigures.CpuMsPerTransaction(m, m.Replica))} | {Format.Percent(m.MachineBusyPercent)} | {Format.Count(m.Errors)} |");
        }

        Line(md);
        Line(md, $"- throughput, replicated / single: **{Format.Ratio(f.ThroughputRatio)}**");
        Line(md, $"- p50 latency, replicated / single: **{Format.Ratio(f.P50Ratio)}**; p99: **{Format.Ratio(f.P99Ratio)}**");
        Line(md, $"- broker CPU per transaction (three nodes), replicated / single: **{Format.Ratio(f.BrokerCpuRatio)}**");
        Line(md, $"- worker CPU per transaction, primary / single worker: **{Format.Ratio(f.PrimaryCpuRatio)}**; primary + replica / single worker: " +
            $"**{Format.Ratio(f.WorkersCpuRatio)}**");
        if (f.Replicated.Lag is { } lag)
        {
            Line(md, $"- replica lag (primary's last commit_ts − replica's, {Format.Count(lag.Samples)} samples every {lag.IntervalMs} ms, " +
                $"{Format.Count(lag.FailedSamples)} failed): mean **{Format.Number(lag.MeanCommits)}**, p50 **{Format.Count(lag.P50Commits)}**, " +
                $"p99 **{Format.Count(lag.P99Commits)}**, max **{Format.Count(lag.MaxCommits)}** commits; at the replicated throughput that is " +
                $"p50 ≈ {LagMs(f, lag.P50Commits)} ms, p99 ≈ {LagMs(f, lag.P99Commits)} ms, max ≈ {LagMs(f, lag.MaxCommits)} ms behind; the replica had " +
                (lag.CatchUpSeconds is { } up ? $"everything {Format.Number(up, "0.00")} s after the load stopped" : "not caught up 60 s after the load stopped"));
        }
    }

    private static string CpuMs(double? ms) => ms is { } v ? Format.Number(v, "0.000") + " ms" : "–";

    private static string LagMs(ReplicationFigures f, long commits) => Format.Number(f.LagMs(commits), "0");

    private static IEnumerable<RssSample> Deciles(RssRun rss)
    {
        for (var i = 1; i <= 10; i++)
        {
            var threshold = rss.Count * i / 10;
            var sample = rss.Samples.FirstOrDefault(s => s.Transactions >= threshold) ?? rss.Samples.LastOrDefault();
            if (sample is not null)
            {
                yield return sample;
            }
        }
    }

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
