using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// The answer to a <see cref="ReadRequest"/>. <see cref="ErrorCode"/> is <see cref="ErrorCode.None"/> on success.
/// Get kinds fill <see cref="Record"/>; ListKeys fills <see cref="Keys"/> (ListAgents too, with agent ids); ScanPrefix fills <see cref="Records"/>;
/// Replay fills <see cref="Events"/>; Health and Version fill <see cref="Health"/>; Stats fills <see cref="Stats"/>; Backup fills <see cref="Backup"/>.
/// Paged kinds set <see cref="NextKey"/> (ListKeys/ScanPrefix/ListAgents) or <see cref="NextStartTs"/> (Replay) when more remains;
/// a namespace-wide replay page may hold no event and still set <see cref="NextStartTs"/> (it scanned other namespaces'
/// transactions up to its bound): continue from there.
/// A <see cref="ErrorCode.HistoryPruned"/> reply sets <see cref="Horizon"/>: the namespace's history horizon on the
/// worker that answered (a commit_ts; every version and log entry at or above it is kept), 0 otherwise.
/// </summary>
[MessagePackObject]
public sealed record ReadReply(
    [property: Key(0)] ErrorCode ErrorCode,
    [property: Key(1)] string? ErrorMessage = null,
    [property: Key(2)] StateRecord? Record = null,
    [property: Key(3)] IReadOnlyList<string>? Keys = null,
    [property: Key(4)] IReadOnlyList<StateRecord>? Records = null,
    [property: Key(5)] IReadOnlyList<CommitEvent>? Events = null,
    [property: Key(6)] string? NextKey = null,
    [property: Key(7)] long NextStartTs = 0,
    [property: Key(8)] HealthReport? Health = null,
    [property: Key(9)] WorkerStats? Stats = null,
    [property: Key(10)] BackupInfo? Backup = null,
    [property: Key(11)] long Horizon = 0)
{
    public static ReadReply Error(ErrorCode code, string message) => new(code, message);
}
