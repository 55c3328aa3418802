using System.Diagnostics.Metrics;

namespace Statehouse.Worker.Telemetry;

/// <summary>
/// The worker's instruments, all on one process-wide meter named <see cref="MeterName"/> (one worker per process).
/// The counters are written through <see cref="WorkerCounters"/>; the gauges report the counters given to
/// <see cref="Create"/>.
/// </summary>
internal static class WorkerMetrics
{
    public const string MeterName = "Statehouse.Worker";

    /// <summary>Tag on <see cref="Reads"/> (OK on success) and <see cref="Rejected"/>: the reply's error code name.</summary>
    public const string ErrorCodeTag = "statehouse.error_code";

    private static readonly Meter s_meter = new(MeterName, ServerInfo.Version);

    // The running worker's counters, once the monitoring server started; until then the gauges report nothing.
    private static WorkerCounters? s_observed;

    // The exporter's default buckets (0 to 10,000) suit milliseconds; these durations are in seconds, from a
    // fraction of a millisecond (an fsync on a fast disk) to seconds (a slow or failing disk).
    private static readonly InstrumentAdvice<double> s_secondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private static readonly InstrumentAdvice<int> s_batchBuckets = new()
    {
        HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192],
    };

    public static readonly Counter<long> Commits = s_meter.CreateCounter<long>(
        "statehouse.commits", "{transaction}", "Transactions committed (duplicates not counted).");

    public static readonly Counter<long> Rejected = s_meter.CreateCounter<long>(
        "statehouse.commit.rejected", "{transaction}", "Transactions rejected (conflict, invalid, expired, ...), by error code.");

    public static readonly Counter<long> Duplicates = s_meter.CreateCounter<long>(
        "statehouse.commit.duplicates", "{message}", "Messages whose txn_id was already answered; the stored reply was sent again.");

    public static readonly Histogram<int> BatchSize = s_meter.CreateHistogram(
        "statehouse.commit.batch_size", "{message}", "Messages applied in one synced write.", tags: null, advice: s_batchBuckets);

    public static readonly Histogram<double> CommitDuration = s_meter.CreateHistogram(
        "statehouse.commit.duration", "s", "Time of one group: apply and synced write, dead-letters, replies and ack.",
        tags: null, advice: s_secondsBuckets);

    public static readonly Histogram<double> SyncDuration = s_meter.CreateHistogram(
        "statehouse.storage.sync.duration", "s", "Time of the store's synced write (WriteBatch with sync) alone, successful writes only.",
        tags: null, advice: s_secondsBuckets);

    public static readonly Counter<long> DeadLetters = s_meter.CreateCounter<long>(
        "statehouse.dead_letters", "{message}", "Messages the worker dead-lettered because they can never be applied.");

    public static readonly Counter<long> Reads = s_meter.CreateCounter<long>(
        "statehouse.reads", "{request}", "Read requests answered.");

    public static readonly ObservableGauge<long> LastCommitTs = s_meter.CreateObservableGauge(
        "statehouse.last_commit_ts", () => Volatile.Read(ref s_observed)?.LastCommitTs is { } ts ? [new Measurement<long>(ts)] : Array.Empty<Measurement<long>>(),
        "{commit_ts}", "The last committed commit_ts (absent until the store is open).");

    public static readonly ObservableGauge<long> CommitQueueReady = s_meter.CreateObservableGauge(
        "statehouse.commit.queue.ready",
        () => Volatile.Read(ref s_observed)?.CommitQueueReady is { } ready ? [new Measurement<long>(ready)] : Array.Empty<Measurement<long>>(),
        "{message}",
        "Messages ready in the commit queue, waiting for the worker (polled; excludes deliveries the worker already holds). " +
        "Absent while unknown.");

    /// <summary>
    /// Creates the instruments now (they are static fields, created on first use), so that a listener started
    /// before the first commit sees the gauges and the zero counters from the start, and points the gauges at the
    /// worker's <paramref name="counters"/>.
    /// </summary>
    public static void Create(WorkerCounters counters)
    {
        GC.KeepAlive(s_meter);
        Volatile.Write(ref s_observed, counters);
    }
}
