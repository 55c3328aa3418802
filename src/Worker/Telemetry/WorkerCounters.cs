namespace Statehouse.Worker.Telemetry;

/// <summary>
/// The worker's running totals (one instance per worker, a DI singleton): what the Stats read reports without an
/// exporter, and the latest values the meter's observable gauges report. Each count also goes to its
/// <see cref="WorkerMetrics"/> counter. Thread-safe: written by the commit loop, the read consumers and the queue probe.
/// </summary>
internal sealed class WorkerCounters(TimeProvider time)
{
    private long _committed;
    private long _rejected;
    private long _duplicates;
    private long _deadLetters;
    private long _reads;
    private long _groups;
    private long _groupMessages;
    private long _lastCommitTs = -1;
    private long _commitQueueReady = -1;

    /// <summary>When these counters started (the worker's start), Unix milliseconds.</summary>
    public long StartedAtUnixMs { get; } = time.GetUtcNow().ToUnixTimeMilliseconds();

    public long Committed => Interlocked.Read(ref _committed);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long DeadLetters => Interlocked.Read(ref _deadLetters);

    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Commit groups applied (each one pass of the commit engine; one synced write unless all were duplicates).</summary>
    public long Groups => Interlocked.Read(ref _groups);

    /// <summary>Messages in those groups: committed, rejected and duplicate transactions alike.</summary>
    public long GroupMessages => Interlocked.Read(ref _groupMessages);

    /// <summary>The last committed commit_ts, once the store is open.</summary>
    public long? LastCommitTs => Interlocked.Read(ref _lastCommitTs) is var ts and >= 0 ? ts : null;

    /// <summary>Messages ready in the commit queue at the last poll; null while unknown (no broker session, poll failed).</summary>
    public long? CommitQueueReady => Interlocked.Read(ref _commitQueueReady) is var ready and >= 0 ? ready : null;

    /// <summary>Counts a group's committed and duplicate messages; rejections are counted one by one, with their code.</summary>
    public void AddOutcomes(int committed, int duplicates)
    {
        WorkerMetrics.Commits.Add(committed);
        WorkerMetrics.Duplicates.Add(duplicates);
        Interlocked.Add(ref _committed, committed);
        Interlocked.Add(ref _duplicates, duplicates);
    }

    /// <summary>Counts one applied commit group of <paramref name="messages"/> messages.</summary>
    public void AddGroup(int messages)
    {
        Interlocked.Increment(ref _groups);
        Interlocked.Add(ref _groupMessages, messages);
    }

    /// <summary>Counts one rejected transaction under its wire error code name (CONFLICT, ...).</summary>
    public void AddRejected(string errorCode)
    {
        WorkerMetrics.Rejected.Add(1, new KeyValuePair<string, object?>(WorkerMetrics.ErrorCodeTag, errorCode));
        Interlocked.Increment(ref _rejected);
    }

    public void SetLastCommitTs(long commitTs) => Interlocked.Exchange(ref _lastCommitTs, commitTs);

    /// <summary>The commit queue's ready count at the last poll; null when unknown.</summary>
    public void SetCommitQueueReady(long? ready) => Interlocked.Exchange(ref _commitQueueReady, ready ?? -1);

    /// <summary>Counts one dead-letter copy confirmed as routed to a queue.</summary>
    public void AddDeadLetter()
    {
        WorkerMetrics.DeadLetters.Add(1);
        Interlocked.Increment(ref _deadLetters);
    }

    /// <summary>Counts one read answered, under its reply's wire error code name (OK on success).</summary>
    public void AddRead(string errorCode)
    {
        WorkerMetrics.Reads.Add(1, new KeyValuePair<string, object?>(WorkerMetrics.ErrorCodeTag, errorCode));
        Interlocked.Increment(ref _reads);
    }
}
