using System.Diagnostics.Metrics;
using Statehouse.Worker.Hosting;

namespace Statehouse.Worker.Telemetry;

/// <summary>The worker's instruments, all on one meter named <see cref="MeterName"/>.</summary>
internal static class WorkerMetrics
{
    public const string MeterName = "Statehouse.Worker";

    /// <summary>Tag on <see cref="Reads"/>: the reply's error code name (OK on success).</summary>
    public const string ErrorCodeTag = "statehouse.error_code";

    private static readonly Meter s_meter = new(MeterName, ServerInfo.Version);

    public static readonly Counter<long> Commits = s_meter.CreateCounter<long>(
        "statehouse.commits", "{transaction}", "Transactions committed (duplicates not counted).");

    public static readonly Counter<long> Rejected = s_meter.CreateCounter<long>(
        "statehouse.commit.rejected", "{transaction}", "Transactions rejected (conflict, invalid, expired, ...).");

    public static readonly Counter<long> Duplicates = s_meter.CreateCounter<long>(
        "statehouse.commit.duplicates", "{message}", "Messages whose txn_id was already answered; the stored reply was sent again.");

    public static readonly Histogram<int> BatchSize = s_meter.CreateHistogram<int>(
        "statehouse.commit.batch_size", "{message}", "Messages applied in one synced write.");

    public static readonly Histogram<double> CommitDuration = s_meter.CreateHistogram<double>(
        "statehouse.commit.duration", "s", "Time of one group: apply and synced write, dead-letters, replies and ack.");

    public static readonly Counter<long> DeadLetters = s_meter.CreateCounter<long>(
        "statehouse.dead_letters", "{message}", "Messages the worker dead-lettered because they can never be applied.");

    public static readonly Counter<long> Reads = s_meter.CreateCounter<long>(
        "statehouse.reads", "{request}", "Read requests answered.");
}
