using Microsoft.Extensions.Logging;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Replication;

/// <summary>
/// The commit loop's replicated path (docs/replication.md, "The primary, per group" and "Fenced failover"), one per
/// worker across its broker sessions. Each session has a <see cref="LogFollower"/> (<see cref="FollowAsync"/>). The first group
/// a session delivers makes this worker active: it publishes an epoch marker above every epoch read so far and waits until
/// its follower read it back valid (everything before it applied), trying a higher epoch when it was void. Then, per
/// group: decide, publish the group's record and wait for its confirm, write the same changes with the new position, and
/// let the loop answer. Nothing is written that the log has not confirmed, and a group whose record may be in the log is
/// never decided again: when a publish or the write after it fails, the session is abandoned (its messages come back),
/// and the next session starts as a replica that applies the record from the log if it is there.
/// Called by the commit loop only (one group at a time); <see cref="FollowAsync"/> by the worker service between sessions.
/// </summary>
internal sealed class ReplicationCoordinator
{
    private readonly ICommitApplier _engine;
    private readonly StateStore _store;
    private readonly WorkerHealth _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _takeoverTimeout;
    private readonly TimeSpan _publishTimeout;
    private readonly long _maxRecordBytes;
    private readonly string _writer;
    private readonly SemaphoreSlim _committing = new(1, 1);
    private volatile LogFollower? _follower;
    private ICommitSettlement? _primaryOf;
    private LogFollower? _primaryFollower;
    private long _epoch;
    private long _seq;

    /// <param name="engine">Decides and writes groups (<see cref="CommitEngine"/>).</param>
    /// <param name="store">The worker's store: its id, position and last commit_ts go into the records.</param>
    /// <param name="options">TakeoverTimeoutSeconds bounds the wait for this worker's own marker; MaxRecordBytes splits a group too big for one record.</param>
    /// <param name="health">Shows the role, and a failed write.</param>
    /// <param name="time">The clock of the takeover's timeout.</param>
    /// <param name="logger">The coordinator's logger.</param>
    public ReplicationCoordinator(
        ICommitApplier engine, StateStore store, ReplicationOptions options, WorkerHealth health, TimeProvider time,
        ILogger<ReplicationCoordinator> logger)
    {
        _engine = engine;
        _store = store;
        _health = health;
        _time = time;
        _logger = logger;
        _takeoverTimeout = TimeSpan.FromSeconds(options.TakeoverTimeoutSeconds);
        _publishTimeout = TimeSpan.FromSeconds(options.PublishTimeoutSeconds);
        _maxRecordBytes = options.MaxRecordBytes;
        _writer = $"{Environment.MachineName} pid {Environment.ProcessId} store {store.Path}";
    }

    /// <summary>
    /// A new broker session follows the log with <paramref name="follower"/>: the worker is a replica until that session
    /// delivers a commit and the takeover succeeds. Waits for a group still in flight on an earlier session (its publish
    /// fails or its write ends within moments), so that the new follower never writes beside the commit loop.
    /// </summary>
    public async Task FollowAsync(LogFollower follower, CancellationToken cancellationToken)
    {
        await _committing.WaitAsync(cancellationToken);
        try
        {
            _follower = follower;
            _health.SetRole("replica");
        }
        finally
        {
            _committing.Release();
        }
    }

    /// <summary>
    /// Commits <paramref name="requests"/>, delivered on <paramref name="settlement"/>'s session, through the log (taking
    /// over first when that session is not yet this worker's active one). Returns the group's result once its synced
    /// write returned (or nothing needed writing), or null when the session was abandoned: nothing of the group may then be
    /// answered or acked, and the broker redelivers it. Throws what <see cref="ICommitApplier.Decide"/> throws (a bug;
    /// nothing is published or written then).
    /// </summary>
    public async Task<CommitGroupResult?> CommitAsync(
        ICommitSettlement settlement, IReadOnlyList<CommitRequest> requests, CancellationToken abort)
    {
        await _committing.WaitAsync(CancellationToken.None);
        try
        {
            return await CommitOnceAsync(settlement, requests, abort);
        }
        finally
        {
            _committing.Release();
        }
    }

    private async Task<CommitGroupResult?> CommitOnceAsync(
        ICommitSettlement settlement, IReadOnlyList<CommitRequest> requests, CancellationToken abort)
    {
        if (!ReferenceEquals(settlement, _primaryOf) && !await TakeOverAsync(settlement, abort))
        {
            return null;
        }

        // The follower of the session that took over (a newer session may have started meanwhile; then this one's publish fails).
        var follower = _primaryFollower!;
        var group = _engine.Decide(requests);
        if (group.Changes.ValueBytes > _maxRecordBytes && requests.Count > 1)
        {
            // Too big for one log record: commit it as two consecutive groups. Deciding changed nothing (Decide writes no
            // cache), so the halves are decided afresh, the second after the first was written.
            return await CommitInPartsAsync(settlement, requests, abort);
        }

        if (!group.NeedsWrite)
        {
            // Every message answered from the inbox (or refused unrecorded): nothing for the log or the store.
            return _engine.Write(group, position: null);
        }

        var seq = _seq + 1;
        var record = new LogRecord(LogRecordKind.Group, _epoch, seq, group.FirstCommitTs, group.LastCommitTs, _store.StoreId, _writer,
            Guid.Empty, group.Changes.Items);
        try
        {
            await PublishAsync(settlement, record, abort);
        }
        catch (Exception ex)
        {
            // In doubt: the record may be in the log. Write nothing; whoever is active next reads the log first.
            _engine.Forget();
            Abandon(settlement, $"the log record of group {seq} (epoch {_epoch}) was not confirmed: {ex.Message}");
            return null;
        }

        _seq = seq;
        try
        {
            var result = _engine.Write(group, follower.PrimaryPosition(_epoch, seq));
            follower.StoreAdvanced(_epoch, seq, group.LastCommitTs);
            return result;
        }
        catch (Exception ex)
        {
            // The record is in the log: never decide this group again. The next session's follower applies it.
            if (ex is StorageWriteException)
            {
                _health.StorageFailed(ex.Message);
            }

            _engine.Forget();
            Abandon(settlement, $"the synced write of group {seq} (epoch {_epoch}) failed after its log record was confirmed: {ex.Message}");
            return null;
        }
    }

    /// <summary>
    /// <paramref name="requests"/> as two groups one after the other (each split again while still too big): the outcomes
    /// in request order, as one group's. Null when a part failed (the session was abandoned; a part already written is in
    /// the log and the store, and its redelivered messages are answered from the inbox).
    /// </summary>
    private async Task<CommitGroupResult?> CommitInPartsAsync(ICommitSettlement settlement, IReadOnlyList<CommitRequest> requests, CancellationToken abort)
    {
        var half = requests.Count / 2;
        if (await CommitOnceAsync(settlement, requests.Take(half).ToList(), abort) is not { } first
            || await CommitOnceAsync(settlement, requests.Skip(half).ToList(), abort) is not { } second)
        {
            return null;
        }

        return new CommitGroupResult([.. first.Outcomes, .. second.Outcomes], first.Committed + second.Committed,
            Math.Max(first.LastCommitTs, second.LastCommitTs));
    }

    /// <summary>Fenced failover: a confirmed marker, read back valid with the log applied up to it. False: the session was abandoned.</summary>
    private async Task<bool> TakeOverAsync(ICommitSettlement settlement, CancellationToken abort)
    {
        _primaryOf = null;
        if (_follower is not { } follower)
        {
            Abandon(settlement, "the session follows no log");
            return false;
        }

        if (follower.HighestEpoch == 0 && _store.IsAdopted)
        {
            // The log has no base yet (or the follower has not read it yet: the next session tries again). A marker from a
            // store built from the log would make it the base at this store's commit_ts, below what the deployment's own store
            // may hold (a primary that ran without replication), and its commit_ts values would be handed out again.
            Abandon(settlement,
                $"this store took the deployment's store id empty and has read no epoch marker in the log: only the deployment's own " +
                $"store may publish the log's first marker (start its primary with Statehouse:Replication:Enabled=true); a marker " +
                $"from this store would start the log at commit_ts {_store.LastCommitTs}");
            return false;
        }

        var started = _time.GetTimestamp();
        long epoch;
        while (true)
        {
            epoch = follower.HighestEpoch + 1;
            var markerId = Guid.NewGuid();
            var read = follower.WatchMarker(markerId);
            var marker = new LogRecord(LogRecordKind.Marker, epoch, _store.Position.Seq, 0, _store.LastCommitTs, _store.StoreId, _writer,
                markerId, null);
            try
            {
                await PublishAsync(settlement, marker, abort);
            }
            catch (Exception ex)
            {
                Abandon(settlement, $"the epoch marker of epoch {epoch} was not confirmed: {ex.Message}");
                return false;
            }

            var left = _takeoverTimeout - _time.GetElapsedTime(started);
            try
            {
                if (await read.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time, abort))
                {
                    break;
                }
            }
            catch (TimeoutException)
            {
                Abandon(settlement,
                    $"the log was not read up to this worker's marker of epoch {epoch} within {_takeoverTimeout.TotalSeconds} s " +
                    "(Statehouse:Replication:TakeoverTimeoutSeconds)");
                return false;
            }
            catch (Exception ex)
            {
                Abandon(settlement, $"the log follower stopped before it read this worker's marker of epoch {epoch}: {ex.Message}");
                return false;
            }

            _logger.MarkerVoid(epoch, follower.HighestEpoch);
        }

        var position = _store.Position;
        var readTo = follower.PrimaryPosition(epoch, position.Seq);
        if (readTo.ResumeSeq != position.Seq)
        {
            Abandon(settlement, $"after the marker the store is at group {position.Seq}, but the log's last valid group is {readTo.ResumeSeq}");
            return false;
        }

        // Record versions and the last commit_ts come from the store again: the follower wrote it until now.
        _engine.Forget();
        _epoch = epoch;
        _seq = position.Seq;
        _primaryOf = settlement;
        _primaryFollower = follower;
        _health.SetRole("primary");
        _logger.TookOver(epoch, _seq, _store.LastCommitTs, _time.GetElapsedTime(started).TotalMilliseconds);
        return true;
    }

    /// <summary>
    /// Publishes <paramref name="record"/> and waits for its confirm at most <c>PublishTimeoutSeconds</c>; throws
    /// <see cref="TimeoutException"/> after that, and what the settlement throws (a nack, a return, a closed channel).
    /// </summary>
    private async Task PublishAsync(ICommitSettlement settlement, LogRecord record, CancellationToken abort)
    {
        using var timeout = new CancellationTokenSource(_publishTimeout, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(abort, timeout.Token);
        try
        {
            await settlement.PublishLogAsync(record, either.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"the broker did not confirm the log record within {_publishTimeout.TotalSeconds} s (Statehouse:Replication:PublishTimeoutSeconds)");
        }
    }

    private void Abandon(ICommitSettlement settlement, string reason)
    {
        _primaryOf = null;
        _health.SetRole("replica");
        _logger.ReplicatedSessionAbandoned(reason);
        settlement.Abandon(reason);
    }
}
