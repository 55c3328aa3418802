namespace Statehouse.Worker.Replication;

/// <summary>What a follower does with one record of the log (<see cref="LogCursor.Read"/>).</summary>
internal enum LogStep
{
    /// <summary>A valid group record the store does not have yet: apply its changes (replica mode).</summary>
    Apply = 1,

    /// <summary>Nothing to apply: a void record, a group the store already has, or one delivered before the start offset.</summary>
    Skip = 2,

    /// <summary>An epoch marker: <see cref="LogVerdict.MarkerValid"/> says whether it raised the log's epoch or is void.</summary>
    MarkerSeen = 3,

    /// <summary>
    /// Primary mode only: the next valid group, which the primary's own store is about to write (its record is confirmed,
    /// its synced write still in flight). Nothing changed; read the same record again once the store has advanced.
    /// </summary>
    Ahead = 4,

    /// <summary>The store and the log disagree, or the log lacks records: stop serving (<see cref="LogVerdict.Reason"/>).</summary>
    Refuse = 5,
}
