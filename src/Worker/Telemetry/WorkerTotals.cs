namespace Statehouse.Worker.Telemetry;

/// <summary>
/// Running totals beside the meter's instruments, so the worker can report its own counters (the Stats read)
/// without an exporter. One worker per process, so process-wide totals are the worker's.
/// </summary>
internal static class WorkerTotals
{
    private static long s_committed;
    private static long s_rejected;
    private static long s_duplicates;
    private static long s_deadLetters;
    private static long s_reads;

    public static long StartedAtUnixMs { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static long Committed => Interlocked.Read(ref s_committed);

    public static long Rejected => Interlocked.Read(ref s_rejected);

    public static long Duplicates => Interlocked.Read(ref s_duplicates);

    public static long DeadLetters => Interlocked.Read(ref s_deadLetters);

    public static long Reads => Interlocked.Read(ref s_reads);

    public static void AddOutcomes(int committed, int rejected, int duplicates)
    {
        WorkerMetrics.Commits.Add(committed);
        WorkerMetrics.Rejected.Add(rejected);
        WorkerMetrics.Duplicates.Add(duplicates);
        Interlocked.Add(ref s_committed, committed);
        Interlocked.Add(ref s_rejected, rejected);
        Interlocked.Add(ref s_duplicates, duplicates);
    }

    public static void AddDeadLetter()
    {
        WorkerMetrics.DeadLetters.Add(1);
        Interlocked.Increment(ref s_deadLetters);
    }

    public static void AddRead(string errorCode)
    {
        WorkerMetrics.Reads.Add(1, new KeyValuePair<string, object?>(WorkerMetrics.ErrorCodeTag, errorCode));
        Interlocked.Increment(ref s_reads);
    }
}
