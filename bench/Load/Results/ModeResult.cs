using Statehouse.Bench.Load;

namespace Statehouse.Bench.Results;

/// <summary>
/// One mode's measured window. <see cref="Server"/> is what answers the transactions (the worker, the echo server,
/// PostgreSQL's processes); <see cref="Broker"/> is RabbitMQ's Erlang VM; <see cref="Bench"/> is this process (the
/// clients). The worker counters (<see cref="Committed"/>, <see cref="SyncedWrites"/>) are deltas over the window.
/// A replicated mode also has the <see cref="Replica"/>'s CPU (the server is then the primary) and its <see cref="Lag"/>.
/// </summary>
internal sealed record ModeResult(
    string Mode,
    string Title,
    double? RatePerSecond,
    long Transactions,
    long Errors,
    string? FirstError,
    double Seconds,
    double TxPerSecond,
    LatencySummary Latency,
    CpuShare? Server,
    CpuShare? Broker,
    CpuShare Bench,
    double MachineBusyPercent,
    long? ServerPeakRssBytes,
    long? Committed,
    long? SyncedWrites,
    CpuShare? Replica = null,
    ReplicaLag? Lag = null)
{
    /// <summary>Average group size: committed transactions per synced write (fsync).</summary>
    public double? TxPerSyncedWrite => Committed is { } c && SyncedWrites is { } w && w > 0 ? (double)c / w : null;

    public double? FsyncsPerSecond => SyncedWrites is { } w && Seconds > 0 ? w / Seconds : null;
}
