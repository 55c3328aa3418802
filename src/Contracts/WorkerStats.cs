using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// The worker's counters since it started: transactions committed, rejected and answered as duplicates, messages
/// dead-lettered, synced writes (one per committed group: the fsync count), reads answered.
/// Committed ÷ SyncedWrites is the average group size.
/// </summary>
[MessagePackObject]
public sealed record WorkerStats(
    [property: Key(0)] long Committed,
    [property: Key(1)] long Rejected,
    [property: Key(2)] long Duplicates,
    [property: Key(3)] long DeadLetters,
    [property: Key(4)] long SyncedWrites,
    [property: Key(5)] long Reads,
    [property: Key(6)] long LastCommitTs,
    [property: Key(7)] long StartedAtUnixMs);
