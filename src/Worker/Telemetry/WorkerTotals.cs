namespace Statehouse.Worker.Telemetry;

/// <summary>
/// Running totals beside the meter's instruments, so the worker can report its own counters (the Stats read)
/// without an exporter, and the latest values its observable gauges report. One worker per process, so
/// process-wide totals are the worker's.
/// </summary>
internal static class WorkerTotals
{
    private static long s_committed;
    private static long s_rejected;
    private static long s_duplicates;
    private static long s_deadLetters;
    private static long s_reads;
    private static long s_groups;
    private static long s_groupMessages;
    private static long s_lastCommitTs = -1;
    private static long s_commitQueueReady = -1;

    public static long StartedAtUnixMs { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static long Committed => Interlocked.Read(ref s_committed);

    public static long Rejected => Interlocked.Read(ref s_rejected);

    public static long Duplicates => Interlocked.Read(ref s_duplicates);

    public static long DeadLetters => Interlocked.Read(ref s_deadLetters);

    public static long Reads => Interlocked.Read(ref s_reads);

    /// <summary>Commit groups applied (each one pass of the commit engine; one synced write unless all were duplicates).</summary>
    public static long Groups => Interlocked.Read(ref s_groups);

    /// <summary>Messages in those groups: committed, rejected and duplicate transactions alike.</summary>
    public static long GroupMessages => Interlocked.Read(ref s_groupMessages);

    /// <summary>The last committed commit_ts, once the store is open.</summary>
    public static long? LastCommitTs => Interlocked.Read(ref s_lastCommitTs) is var ts and >= 0 ? ts : null;

    /// <summary>Messages ready in the commit queue at the last poll; null while unknown (no broker session, poll failed).</summary>
    public static long? CommitQueueReady => Interlocked.Read(ref s_commitQueueReady) is var ready and >= 0 ? ready : null;

    /// <summary>Counts a group's committed and duplicate messages; rejections are counted one by one, with their code.</summary>
    public static void AddOutcomes(int committed, int duplicates)
    {
        WorkerMetrics.Commits.Add(committed);
        WorkerMetrics.Duplicates.Add(duplicates);
        Interlocked.Add(ref s_committed, committed);
        Interlocked.Add(ref s_duplicates, duplicates);
    }

    /// <summary>Counts one applied commit group of <paramref name="messages"/> messages.</summary>
    public static void AddGroup(int messages)
    {
        Interlocked.Increment(ref s_groups);
        Interlocked.Add(ref s_groupMessages, messages);
    }

    public static void AddRejected(string errorCode)
    {
        WorkerMetrics.Rejected.Add(1, new KeyValuePair<string, object?>(WorkerMetrics.ErrorCodeTag, errorCode));
        Interlocked.Increment(ref s_rejected);
    }

    public static void SetLastCommitTs(long commitTs) => Interlocked.Exchange(ref s_lastCommitTs, commitTs);

    public static void SetCommitQueueReady(long? ready) => Interlocked.Exchange(ref s_commitQueueReady, ready ?? -1);

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
