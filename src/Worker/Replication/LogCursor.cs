using System.Globalization;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Replication;

/// <summary>
/// Decides, record by record in log order, what a follower does: the validity and divergence rules of
/// docs/replication.md ("Following the log"), as a pure state machine every worker runs the same way. Its state is the
/// log's current epoch (the highest marker read), the seq of the last valid group read, the next offset, and what the
/// store has applied (epoch, seq, last commit_ts). In replica mode an applied record counts as the store's at once (the
/// follower writes it with the <see cref="Position"/>); in primary mode the store's own writes move it
/// (<see cref="StoreAdvanced"/>) and the cursor only checks. Not thread-safe.
/// </summary>
internal sealed class LogCursor
{
    private bool _started;

    /// <summary>The commit_ts range of the last valid group read (null before the first, or after a restart).</summary>
    private (long? First, long Last)? _lastValidCommitTs;

    /// <param name="position">The store's position; <see cref="ReplicationPosition.None"/> reads the log from its first record.</param>
    /// <param name="storeLastCommitTs">The store's last commit_ts (0 for an empty store).</param>
    public LogCursor(ReplicationPosition position, long storeLastCommitTs)
    {
        StartOffset = position.ResumeOffset;
        NextOffset = position.ResumeOffset;
        CurrentEpoch = position.ResumeEpoch;
        LastValidSeq = position.ResumeSeq;
        AppliedEpoch = position.Epoch;
        AppliedSeq = position.Seq;
        AppliedLastCommitTs = storeLastCommitTs;
    }

    /// <summary>The offset the log is read from: every valid record before it is in the store.</summary>
    public long StartOffset { get; }

    /// <summary>The offset after the last record read (the resume offset to save).</summary>
    public long NextOffset { get; private set; }

    /// <summary>The log's current epoch: the highest epoch of the markers read so far (0 before the first).</summary>
    public long CurrentEpoch { get; private set; }

    /// <summary>The seq of the last valid group record read (0 before the first).</summary>
    public long LastValidSeq { get; private set; }

    /// <summary>The epoch of the last group the store has (0: none).</summary>
    public long AppliedEpoch { get; private set; }

    /// <summary>The seq of the last group the store has (0: none).</summary>
    public long AppliedSeq { get; private set; }

    /// <summary>The store's last commit_ts, including the groups applied in replica mode and not yet written.</summary>
    public long AppliedLastCommitTs { get; private set; }

    /// <summary>True while the store is written by this worker's commit loop, not from the log.</summary>
    public bool IsPrimary { get; private set; }

    /// <summary>
    /// What a store that has everything read so far records: the applied (epoch, seq) and where to resume reading
    /// (<see cref="NextOffset"/>, <see cref="CurrentEpoch"/>, <see cref="LastValidSeq"/>).
    /// </summary>
    public ReplicationPosition Position => new(AppliedEpoch, AppliedSeq, NextOffset, CurrentEpoch, LastValidSeq);

    /// <summary>From the next record on, the store is written by the commit loop, which reports each write (<see cref="StoreAdvanced"/>).</summary>
    public void BecomePrimary() => IsPrimary = true;

    /// <summary>From the next record on, valid groups are applied from the log again.</summary>
    public void BecomeReplica() => IsPrimary = false;

    /// <summary>Primary mode: the store wrote the group <paramref name="seq"/> of <paramref name="epoch"/>, ending at <paramref name="lastCommitTs"/>.</summary>
    public void StoreAdvanced(long epoch, long seq, long lastCommitTs)
    {
        AppliedEpoch = epoch;
        AppliedSeq = seq;
        AppliedLastCommitTs = lastCommitTs;
    }

    /// <summary>
    /// The step for <paramref name="record"/>, read at stream <paramref name="offset"/>; moves the cursor past it unless the
    /// step is <see cref="LogStep.Ahead"/> or <see cref="LogStep.Refuse"/> (after a refusal the cursor must not be used again).
    /// </summary>
    public LogVerdict Read(long offset, LogRecord record)
    {
        if (!_started)
        {
            _started = true;
            if (offset > StartOffset)
            {
                return LogVerdict.Refuse(StartOffset == 0
                    ? $"the log starts at offset {offset}: its first records were removed (retention), so a store without them cannot be built from it"
                    : $"the log no longer holds offset {StartOffset}, where this store stopped reading (it starts at {offset}: retention removed records this store never applied)");
            }
        }

        if (offset < NextOffset)
        {
            // The broker starts a stream consumer at the beginning of the chunk holding the offset asked for: records this
            // store read before, none of them beyond its resume point. One beyond it means the stream's offsets started over
            // (the stream was deleted and declared again): skipping it would skip the new log's records unread.
            if (offset < StartOffset && IsBeyondTheResumePoint(record))
            {
                return LogVerdict.Refuse(
                    $"the record at log offset {offset}, before this store's resume offset {StartOffset}, is a {record.Kind} of epoch " +
                    $"{record.Epoch} (seq {record.Seq}) that this store never read (it resumes at epoch {CurrentEpoch}, seq {LastValidSeq}): " +
                    "the stream is not the log this store followed; it was deleted and declared again");
            }

            return LogVerdict.Skip;
        }

        var verdict = record.Kind switch
        {
            LogRecordKind.Marker => ReadMarker(record),
            LogRecordKind.Group => ReadGroup(record),
            _ => LogVerdict.Refuse($"the record is of unknown kind {(int)record.Kind}"),
        };
        switch (verdict.Step)
        {
            case LogStep.Refuse:
                return verdict with { Reason = $"{verdict.Reason} (log offset {offset})" };
            case LogStep.Ahead:
                return verdict;
            default:
                NextOffset = offset + 1;
                return verdict;
        }
    }

    /// <summary>A record no log this store read before its resume point can hold there: a newer epoch, or a valid group after its last.</summary>
    private bool IsBeyondTheResumePoint(LogRecord record) =>
        record.Epoch > CurrentEpoch || (record.Kind == LogRecordKind.Group && record.Epoch == CurrentEpoch && record.Seq > LastValidSeq);

    private LogVerdict ReadMarker(LogRecord marker)
    {
        if (marker.Epoch <= CurrentEpoch)
        {
            // Published by a worker that had not read a marker of an epoch this high: it lost, and tries again higher.
            return LogVerdict.Marker(marker.MarkerId, marker.Epoch, valid: false);
        }

        if (CurrentEpoch == 0 && LastValidSeq == 0 && AppliedSeq == 0 && marker.LastCommitTs != AppliedLastCommitTs)
        {
            // The log's first marker: its writer's store is the base every group builds on.
            return LogVerdict.Refuse(marker.LastCommitTs > AppliedLastCommitTs
                ? $"the log starts after this store's history: its first marker was published at commit_ts {marker.LastCommitTs}, " +
                  $"this store ends at {AppliedLastCommitTs}: this store cannot be built from it; seed it from a backup taken after that " +
                  "marker (statehouse reseed --from-backup DIR)"
                : $"this store holds commits the log does not: it ends at commit_ts {AppliedLastCommitTs}, the log's first marker " +
                  $"was published at {marker.LastCommitTs}");
        }

        if (AppliedSeq > LastValidSeq)
        {
            return LogVerdict.Refuse(
                $"this store holds group {AppliedSeq} of epoch {AppliedEpoch}, which the log voided: the marker of epoch {marker.Epoch} " +
                $"came after group {LastValidSeq}, the last valid one");
        }

        CurrentEpoch = marker.Epoch;
        return LogVerdict.Marker(marker.MarkerId, marker.Epoch, valid: true);
    }

    private LogVerdict ReadGroup(LogRecord group)
    {
        if (group.Epoch < CurrentEpoch)
        {
            // An old primary's record that reached the log after a newer marker: void for every reader.
            return LogVerdict.Skip;
        }

        if (group.Epoch > CurrentEpoch)
        {
            return LogVerdict.Refuse($"group {group.Seq} is of epoch {group.Epoch}, but no marker of that epoch came before it: the log lacks records");
        }

        if (group.Seq <= LastValidSeq)
        {
            return ReadResent(group);
        }

        if (group.Seq != LastValidSeq + 1)
        {
            return LogVerdict.Refuse($"group {group.Seq} follows group {LastValidSeq}: the log lacks records");
        }

        if (group.Seq <= AppliedSeq)
        {
            if (group.Seq == AppliedSeq && (group.Epoch != AppliedEpoch || group.LastCommitTs != AppliedLastCommitTs))
            {
                return LogVerdict.Refuse(
                    $"this store's group {AppliedSeq} is of epoch {AppliedEpoch} and ends at commit_ts {AppliedLastCommitTs}; the log's is of " +
                    $"epoch {group.Epoch} and ends at {group.LastCommitTs}");
            }

            SetLastValid(group);
            return LogVerdict.Skip;
        }

        if (group.Seq > AppliedSeq + 1)
        {
            return LogVerdict.Refuse($"group {group.Seq} is next in the log, but this store ends at group {AppliedSeq}: the log lacks records");
        }

        var follows = group.FirstCommitTs == AppliedLastCommitTs + 1
            || (group.LastCommitTs == group.FirstCommitTs - 1 && group.LastCommitTs == AppliedLastCommitTs);
        if (!follows || group.LastCommitTs < AppliedLastCommitTs)
        {
            return LogVerdict.Refuse(
                $"group {group.Seq} hands out commit_ts {group.FirstCommitTs}..{group.LastCommitTs}, but this store ends at commit_ts {AppliedLastCommitTs}");
        }

        if (IsPrimary)
        {
            return LogVerdict.Ahead;
        }

        SetLastValid(group);
        StoreAdvanced(group.Epoch, group.Seq, group.LastCommitTs);
        return LogVerdict.Apply;
    }

    /// <summary>
    /// A group of the current epoch at or before the last valid seq: a copy of a record already read. RabbitMQ resends a
    /// channel's unconfirmed stream publishes to the stream's new leader after a leader change, so one record can land
    /// twice (seen on a 3-node cluster when a node was killed). One epoch has one writer, which never decides a seq twice
    /// (a publish that is not confirmed gives the session up, and the next one publishes under a new epoch), so the copy
    /// is skipped; a copy whose commit_ts differ from the original's, where the cursor knows them, is refused.
    /// </summary>
    private LogVerdict ReadResent(LogRecord group)
    {
        (long? First, long Last)? known = null;
        if (group.Seq == LastValidSeq && _lastValidCommitTs is { } range)
        {
            known = range;
        }
        else if (group.Seq == AppliedSeq && group.Epoch == AppliedEpoch)
        {
            known = (null, AppliedLastCommitTs);
        }

        if (known is { } original && (group.LastCommitTs != original.Last || (original.First is { } first && group.FirstCommitTs != first)))
        {
            return LogVerdict.Refuse(
                $"group {group.Seq} of epoch {group.Epoch} is in the log twice with different contents: commit_ts " +
                $"{original.First?.ToString(CultureInfo.InvariantCulture) ?? "?"}..{original.Last}, then {group.FirstCommitTs}..{group.LastCommitTs}");
        }

        return LogVerdict.Skip;
    }

    private void SetLastValid(LogRecord group)
    {
        LastValidSeq = group.Seq;
        _lastValidCommitTs = (group.FirstCommitTs, group.LastCommitTs);
    }
}
