using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// The worker's counters since it started: transactions committed, rejected and answered as duplicates, messages
/// dead-lettered, synced writes (one per group that wrote anything: the fsync count), reads answered, commit groups
/// applied and the messages in them. GroupMessages ÷ Groups is the average group size; Committed ÷ SyncedWrites is the
/// commits per fsync, lower than the group size when groups hold rejections or duplicates. Groups and GroupMessages are
/// 0 from a worker older than them.
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
    [property: Key(7)] long StartedAtUnixMs,
    [property: Key(8)] long Groups = 0,
    [property: Key(9)] long GroupMessages = 0);
