using Statehouse.Bench.Results;

namespace Statehouse.Bench.Report;

/// <summary>
/// The replication comparison of one run (<c>commit</c> and <c>commit-replicated</c> side by side on one cluster):
/// CPU per transaction in milliseconds (CPU seconds over the window ÷ transactions completed in it) and the ratios
/// replicated ÷ single. Null where a mode or a figure is missing.
/// </summary>
internal sealed record ReplicationFigures(
    ModeResult Single,
    ModeResult Replicated,
    double? ThroughputRatio,
    double? P50Ratio,
    double? P99Ratio,
    double? BrokerCpuRatio,
    double? PrimaryCpuRatio,
    double? WorkersCpuRatio)
{
    /// <summary>The figures, or null when the run lacks either mode.</summary>
    public static ReplicationFigures? From(BenchRun run)
    {
        if (run.Find(ModeNames.Commit) is not { } single || run.Find(ModeNames.CommitReplicated) is not { } replicated)
        {
            return null;
        }

        return new ReplicationFigures(
            single,
            replicated,
            Divide(replicated.TxPerSecond, single.TxPerSecond),
            Divide(replicated.Latency.P50Ms, single.Latency.P50Ms),
            Divide(replicated.Latency.P99Ms, single.Latency.P99Ms),
            Divide(CpuMsPerTransaction(replicated, replicated.Broker), CpuMsPerTransaction(single, single.Broker)),
            Divide(CpuMsPerTransaction(replicated, replicated.Server), CpuMsPerTransaction(single, single.Server)),
            Divide(WorkersCpuMsPerTransaction(replicated), CpuMsPerTransaction(single, single.Server)));
    }

    /// <summary>Milliseconds of CPU per transaction of the window.</summary>
    public static double? CpuMsPerTransaction(ModeResult mode, CpuShare? cpu) =>
        cpu is { } c && mode.Transactions > 0 ? 1000 * c.CpuSeconds / mode.Transactions : null;

    /// <summary>The primary's and the replica's CPU per transaction together.</summary>
    public static double? WorkersCpuMsPerTransaction(ModeResult mode) =>
        CpuMsPerTransaction(mode, mode.Server) is { } primary ? primary + (CpuMsPerTransaction(mode, mode.Replica) ?? 0) : null;

    /// <summary>A lag in commits as time at the replicated throughput: how long the primary takes to commit that many.</summary>
    public double? LagMs(double commits) => Replicated.TxPerSecond > 0 ? 1000 * commits / Replicated.TxPerSecond : null;

    private static double? Divide(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;
}
