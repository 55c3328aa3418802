using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Replication;

/// <summary>
/// Applies group records of the log to a store (docs/replication.md, "Following the log"): their changes in log order
/// and the store's new position, as one synced write, through the same <see cref="StoreBatch"/> calls the primary made,
/// so the store gets the same keys and bytes. The caller (the follower) decides which records are valid and in order.
/// For one writer at a time: the follower, never while the commit loop writes.
/// </summary>
internal sealed class LogApplier(StateStore store)
{
    /// <summary>
    /// Stages every record's changes in order, and <paramref name="position"/>, as one synced write; the store's last
    /// commit_ts becomes the last record's <see cref="LogRecord.LastCommitTs"/> (unchanged when
    /// <paramref name="groups"/> is empty: then only the position is written).
    /// Throws <see cref="InvalidOperationException"/> when a record is not a group, <see cref="ArgumentException"/> when a
    /// change lacks its fields (nothing is written then), and <see cref="StorageWriteException"/> when the write fails.
    /// </summary>
    public void Apply(IReadOnlyList<LogRecord> groups, ReplicationPosition position)
    {
        using var batch = new StoreBatch(store);
        var lastCommitTs = store.LastCommitTs;
        foreach (var group in groups)
        {
            if (group.Kind != LogRecordKind.Group)
            {
                throw new InvalidOperationException($"Log record seq {group.Seq} epoch {group.Epoch} is a {group.Kind}, not a group.");
            }

            batch.Stage(group.Changes ?? []);
            lastCommitTs = group.LastCommitTs;
        }

        batch.SetPosition(position);
        batch.WriteSynced(lastCommitTs);
    }
}
