using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// The single writer. Takes every commit delivery that is ready (bounded by count and bytes), applies the group as one
/// synced write, then dead-letters what can never be applied, replies, and acks the group. The order is the guarantee:
/// nothing is replied to or acked before the write returned, and a message to dead-letter is acked only once its copy
/// was confirmed as routed to a queue; until then it is held unacked and its copy retried with back-off.
/// It reaches the broker only through each delivery's <see cref="ICommitSettlement"/>, and every delay goes through
/// its <see cref="TimeProvider"/>. With replication a group is committed through the log instead
/// (<see cref="ReplicationCoordinator.CommitAsync"/>: takeover, decide, confirmed log record, synced write); what follows
/// the write is the same.
/// </summary>
internal sealed class CommitLoop
{
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);

    private readonly Channel<CommitDelivery> _deliveries;
    private readonly ICommitApplier _engine;
    private readonly ReplicationCoordinator? _replication;
    private readonly WorkerHealth _health;
    private readonly DeliveryGrouping _grouping;
    private readonly int _prefetch;
    private readonly WorkerCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<CommitDelivery> _group;
    private readonly List<CommitRequest> _requests;
    private readonly int _deliveryLimit;
    private readonly List<HeldDeadLetter> _held = [];
    private readonly Dictionary<string, int> _unexpectedFailures = new(StringComparer.Ordinal);
    private int _failures;
    private int _isolateRemaining;
    private int _heldFailures;
    private long _heldRetryAt;

    /// <param name="engine">Applies a group as one synced write (<see cref="CommitEngine"/>).</param>
    /// <param name="health">Told of storage and dead-letter failures and recoveries.</param>
    /// <param name="options">The group limits: MaxBatchCount messages, MaxBatchBytes body bytes.</param>
    /// <param name="budget">Its prefetch bounds the queue of deliveries waiting for the loop.</param>
    /// <param name="deliveryLimit">Deliveries of a message failing unexpectedly after which the loop dead-letters it itself.</param>
    /// <param name="counters">The worker's totals.</param>
    /// <param name="time">The clock of every back-off.</param>
    /// <param name="logger">The loop's logger.</param>
    /// <param name="replication">
    /// With replication: commits each group through the log (<see cref="ReplicationCoordinator"/>), and the replies, on a
    /// confirming channel then, are published together and awaited before the ack. Null: the loop applies groups itself.
    /// </param>
    public CommitLoop(
        ICommitApplier engine, WorkerHealth health, CommitOptions options, DeliveryBudget budget, int deliveryLimit, WorkerCounters counters,
        TimeProvider time, ILogger logger, ReplicationCoordinator? replication = null)
    {
        _engine = engine;
        _replication = replication;
        _health = health;
        _grouping = new DeliveryGrouping(options.MaxBatchCount, options.MaxBatchBytes);
        _deliveryLimit = deliveryLimit;
        _prefetch = budget.Prefetch;
        _counters = counters;
        _time = time;
        _logger = logger;
        _group = new(options.MaxBatchCount);
        _requests = new(options.MaxBatchCount);
        // The prefetch (lowered to fit the memory budget) bounds what one session can have delivered and not yet acked,
        // so it bounds this queue too; a consumer that still has to wait only slows its own dispatcher.
        _deliveries = Channel.CreateBounded<CommitDelivery>(new BoundedChannelOptions(_prefetch)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Where the consumers put commit deliveries, in delivery order; bounded by the prefetch.</summary>
    public ChannelWriter<CommitDelivery> Deliveries => _deliveries.Writer;

    /// <summary>
    /// Runs until <paramref name="stopping"/> is cancelled; a group in flight is always finished first.
    /// <paramref name="abort"/> cancels the broker calls of that group when a stop takes too long.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping, CancellationToken abort)
    {
        var reader = _deliveries.Reader;
        while (!stopping.IsCancellationRequested)
        {
            if (_group.Count == 0)
            {
                if (_held.Count > 0 && _time.GetTimestamp() >= _heldRetryAt)
                {
                    await RetryHeldAsync(abort);
                }

                try
                {
                    if (!await WaitForDeliveriesAsync(reader, stopping))
                    {
                        continue;
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (ChannelClosedException)
                {
                    return;
                }

                if (!TakeGroup(reader))
                {
                    continue;
                }
            }

            var outcome = await CommitGroupAsync(abort);
            _requests.Clear();
            if (outcome != GroupOutcome.RetryInPlace)
            {
                ReleaseGroup();
            }

            if (outcome == GroupOutcome.Done)
            {
                _failures = 0;
                continue;
            }

            // Storage or engine trouble: pause consumption so a broken disk is not hammered, longer each time.
            _failures++;
            var backoff = Backoff(_failures);
            _logger.CommitBackoff(_failures, backoff.TotalSeconds);
            try
            {
                await Task.Delay(backoff, _time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(s_maxBackoff.Ticks, s_firstBackoff.Ticks << Math.Min(failures - 1, 16)));

    /// <summary>
    /// True once deliveries are ready; false when the next retry of held dead-letter copies is due first.
    /// Throws <see cref="OperationCanceledException"/> when stopping, <see cref="ChannelClosedException"/> when completed.
    /// </summary>
    private async Task<bool> WaitForDeliveriesAsync(ChannelReader<CommitDelivery> reader, CancellationToken stopping)
    {
        if (_held.Count == 0)
        {
            return await reader.WaitToReadAsync(stopping) ? true : throw new ChannelClosedException();
        }

        var due = TimeSpan.FromTicks(Math.Max(0, _heldRetryAt - _time.GetTimestamp()) * TimeSpan.TicksPerSecond / _time.TimestampFrequency);
        using var retry = new CancellationTokenSource(due, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stopping, retry.Token);
        try
        {
            return await reader.WaitToReadAsync(either.Token) ? true : throw new ChannelClosedException();
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Takes the deliveries that are ready, in order, all from one session, up to the count and byte limits
    /// (a single delivery larger than the byte limit forms a group of its own). Drops deliveries of lost sessions.
    /// </summary>
    private bool TakeGroup(ChannelReader<CommitDelivery> reader)
    {
        var dropped = 0;
        // After a group failed for an unknown reason, take one message at a time for a while, so that the broker's
        // delivery limit dead-letters only the message that fails, not every message that shared its group.
        _grouping.Start(isolate: _isolateRemaining > 0);
        while (!_grouping.IsFull && reader.TryPeek(out var next))
        {
            if (!next.Settlement.IsOpen)
            {
                reader.TryRead(out _);
                next.Release();
                dropped++;
                continue;
            }

            if ((_group.Count > 0 && next.Settlement != _group[0].Settlement) || !_grouping.TryAdd(next.Body.Length))
            {
                break;
            }

            reader.TryRead(out _);
            _group.Add(next);
        }

        if (dropped > 0)
        {
            _logger.DroppedStaleDeliveries(dropped);
        }

        if (_group.Count > 0 && _isolateRemaining > 0)
        {
            _isolateRemaining--;
        }

        return _group.Count > 0;
    }

    /// <summary>
    /// The group is settled (or lost with its session): its bodies go back to the pool, except those of messages held
    /// for a dead-letter copy still to be stored, which are released once that copy is stored or their session is lost.
    /// </summary>
    private void ReleaseGroup()
    {
        foreach (var delivery in _group)
        {
            if (!IsHeld(delivery))
            {
                delivery.Release();
            }
        }

        _group.Clear();
    }

    private enum GroupOutcome
    {
        /// <summary>Applied and completed (or lost with its session): take the next group.</summary>
        Done,

        /// <summary>The store failed: nothing was written or acked; back off and apply the same group again.</summary>
        RetryInPlace,

        /// <summary>The group failed for an unknown reason and was requeued: back off, then isolate messages.</summary>
        Requeued,
    }

    private async Task<GroupOutcome> CommitGroupAsync(CancellationToken abort)
    {
        var settlement = _group[0].Settlement;
        var lastTag = _group[^1].DeliveryTag;
        if (!settlement.IsOpen)
        {
            // Lost between taking and applying: whatever is written now could not be acked anyway.
            _logger.DroppedStaleDeliveries(_group.Count);
            return GroupOutcome.Done;
        }

        foreach (var delivery in _group)
        {
            _requests.Add(new CommitRequest(delivery.Body, delivery.MessageId, delivery.UserId, delivery.Redelivered, delivery.Requeued));
        }

        var started = _time.GetTimestamp();
        CommitGroupResult result;
        try
        {
            if (_replication is not null)
            {
                if (await _replication.CommitAsync(settlement, _requests, abort) is not { } replicated)
                {
                    // The session was abandoned (a log publish in doubt, a failed write after one): nothing may be settled.
                    _logger.DroppedStaleDeliveries(_group.Count);
                    return GroupOutcome.Done;
                }

                result = replicated;
            }
            else
            {
                if (!_health.StorageWritable && !_engine.TryRecoverStorage(out var reopenError))
                {
                    throw new StorageWriteException("The store cannot be reopened yet: " + reopenError);
                }

                result = _engine.Apply(_requests);
            }

            if (result.Outcomes.Count != _requests.Count)
            {
                throw new InvalidOperationException(
                    $"The commit engine returned {result.Outcomes.Count} outcomes for {_requests.Count} requests.");
            }
        }
        catch (StorageWriteException ex)
        {
            _health.StorageFailed(ex.Message);
            if (_failures == 0)
            {
                _logger.StorageWriteFailed(_group.Count, ex);
            }
            else
            {
                // The stack trace was logged with the first failure; while the disk stays broken one line is enough.
                _logger.StorageStillFailing(_group.Count, ex.Message);
            }

            // Kept unacked and retried in place rather than requeued: a quorum queue counts every requeue against
            // x-delivery-limit, and a long disk outage must not dead-letter valid transactions. If the worker dies
            // meanwhile, the broker returns the messages to the queue by itself.
            return GroupOutcome.RetryInPlace;
        }
        catch (Exception ex)
        {
            // Bad input comes back as outcomes; an exception is a bug or worse. Requeue, but count: once a message on its
            // own has failed past the delivery limit, the worker dead-letters it itself, so one poison message cannot
            // stop the worker for good whatever the broker counts (RabbitMQ 4.3 no longer counts a requeue).
            _logger.CommitGroupFailed(_group.Count, ex);
            if (_group.Count == 1 && CountUnexpectedFailure(_group[0]) is var attempt && attempt > _deliveryLimit)
            {
                _logger.PoisonMessage(_group[0].MessageId, attempt, _deliveryLimit);
                var reason = $"failed unexpectedly on {attempt} deliveries (Broker:DeliveryLimit {_deliveryLimit}): {ex.GetType().Name}: {ex.Message}";
                var reply = CommitReply.Rejected(_group[0].MessageId ?? "", ErrorCode.InternalError, reason);
                await CompleteAsync(settlement, lastTag, [new CommitOutcome(reply, WireFormat.Serialize(reply), Duplicate: false, reason)], abort);
                ForgetUnexpectedFailures(_group[0]);
                return GroupOutcome.Requeued;
            }

            await RequeueAsync(settlement, lastTag, abort);
            _isolateRemaining = Math.Max(_isolateRemaining, _prefetch);
            return GroupOutcome.Requeued;
        }

        if (!_health.StorageWritable)
        {
            _health.StorageRecovered();
            _logger.StorageRecovered();
        }

        if (_unexpectedFailures.Count > 0)
        {
            foreach (var delivery in _group)
            {
                ForgetUnexpectedFailures(delivery);
            }
        }

        // Counted before the replies go out, so that a client holding its reply finds it counted.
        var counts = RecordOutcomes(result.Outcomes);
        _counters.AddGroup(_group.Count);
        _counters.SetLastCommitTs(result.LastCommitTs);
        await CompleteAsync(settlement, lastTag, result.Outcomes, abort);

        var elapsed = _time.GetElapsedTime(started);
        WorkerMetrics.BatchSize.Record(_group.Count);
        WorkerMetrics.CommitDuration.Record(elapsed.TotalSeconds);
        _logger.GroupCommitted(_group.Count, counts.Committed, counts.Rejected, counts.Duplicates, result.LastCommitTs,
            elapsed.TotalMilliseconds);
        return GroupOutcome.Done;
    }

    /// <summary>
    /// After the synced write: dead-letter copies (confirmed as routed), replies in order, acks, announcements. A message
    /// whose copy was not stored is replied to (its refusal is recorded) but held unacked; the others are acked around it.
    /// </summary>
    private async Task CompleteAsync(ICommitSettlement settlement, ulong lastTag, IReadOnlyList<CommitOutcome> outcomes, CancellationToken abort)
    {
        var heldBefore = _held.Count > 0;
        var firstHeld = -1;
        for (var i = 0; i < outcomes.Count; i++)
        {
            if (outcomes[i].DeadLetterReason is { } reason)
            {
                var dead = new HeldDeadLetter(_group[i], reason, outcomes[i].Reply.ErrorCode);
                if (await TryDeadLetterAsync(dead, abort) is { } failure)
                {
                    Hold(dead, failure);
                    firstHeld = firstHeld < 0 ? i : firstHeld;
                }
            }
        }

        try
        {
            if (_replication is null)
            {
                // Replies go out without confirms, on the channel that acks: the broker sees them before the ack.
                for (var i = 0; i < outcomes.Count; i++)
                {
                    if (_group[i].ReplyTo is { Length: > 0 } replyTo)
                    {
                        await settlement.ReplyAsync(replyTo, _group[i].CorrelationId, outcomes[i].ReplyBytes, abort);
                    }
                }
            }
            else
            {
                await ReplyConfirmedAsync(settlement, outcomes, abort);
            }

            if (!heldBefore && firstHeld < 0)
            {
                await settlement.AckAsync(lastTag, multiple: true, abort);
            }
            else
            {
                await AckAroundHeldAsync(settlement, heldBefore, firstHeld, abort);
            }
        }
        catch (Exception ex)
        {
            // The write stands. The unacked messages are redelivered and answered again from the inbox.
            _logger.ReplyOrAckFailed(_group.Count, ex.Message);
            return;
        }

        await AnnounceAsync(settlement, outcomes, abort);
    }

    /// <summary>
    /// Replication: the commit channel confirms every publish, so the group's replies are published one after another
    /// without waiting, then their confirms awaited together (as RabbitMQ.Client 7's publisher-confirms tutorial batches
    /// them), instead of one round trip each. Throws the first failure, once every publish has finished.
    /// </summary>
    private async Task ReplyConfirmedAsync(ICommitSettlement settlement, IReadOnlyList<CommitOutcome> outcomes, CancellationToken abort)
    {
        var pending = new List<ValueTask>(outcomes.Count);
        for (var i = 0; i < outcomes.Count; i++)
        {
            if (_group[i].ReplyTo is { Length: > 0 } replyTo)
            {
                pending.Add(settlement.ReplyAsync(replyTo, _group[i].CorrelationId, outcomes[i].ReplyBytes, abort));
            }
        }

        await AwaitAllAsync(pending);
    }

    /// <summary>Awaits every one of <paramref name="pending"/> (each exactly once), then throws the first failure if any.</summary>
    private static async Task AwaitAllAsync(List<ValueTask> pending)
    {
        Exception? first = null;
        foreach (var publish in pending)
        {
            try
            {
                await publish;
            }
            catch (Exception ex)
            {
                first ??= ex;
            }
        }

        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    /// <summary>
    /// A multiple ack would also ack the held messages (every unacked tag up to it on the channel): ack up to the first
    /// one held in this group with one multiple ack when nothing was held before, the rest one by one.
    /// </summary>
    private async Task AckAroundHeldAsync(ICommitSettlement settlement, bool heldBefore, int firstHeld, CancellationToken abort)
    {
        var from = 0;
        if (!heldBefore && firstHeld > 0)
        {
            await settlement.AckAsync(_group[firstHeld - 1].DeliveryTag, multiple: true, abort);
            from = firstHeld;
        }

        for (var i = from; i < _group.Count; i++)
        {
            if (!IsHeld(_group[i]))
            {
                await settlement.AckAsync(_group[i].DeliveryTag, multiple: false, abort);
            }
        }
    }

    private bool IsHeld(CommitDelivery delivery)
    {
        foreach (var held in _held)
        {
            if (ReferenceEquals(held.Delivery, delivery))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Publishes the dead-letter copy (mandatory, with publisher confirms), so this returns only once a queue has it.
    /// Returns null then, else why not (no queue bound: a basic.return; refused: a basic.nack; or the channel failed).
    /// </summary>
    private async Task<string?> TryDeadLetterAsync(HeldDeadLetter dead, CancellationToken abort)
    {
        var delivery = dead.Delivery;
        if (await delivery.Settlement.DeadLetterAsync(delivery, dead.Reason, dead.Code, abort) is { } failure)
        {
            return failure;
        }

        _counters.AddDeadLetter();
        _logger.DeadLettered(delivery.MessageId, dead.Code.ToWireName(), dead.Reason);
        return null;
    }

    private void Hold(HeldDeadLetter dead, string failure)
    {
        _logger.DeadLetterHeld(dead.Delivery.MessageId, failure);
        _health.DeadLetterFailed($"{failure} ({_held.Count + 1} message(s) held unacked)");
        if (_held.Count == 0)
        {
            _heldFailures = 1;
            _heldRetryAt = _time.GetTimestamp() + (long)(Backoff(1).TotalSeconds * _time.TimestampFrequency);
        }

        _held.Add(dead);
    }

    /// <summary>
    /// Declares the dead-letter queue again (it may have been deleted), then republishes the held copies in order,
    /// acking each message whose copy is confirmed. Stops at the first failure and backs off, as for a storage failure.
    /// The refusals are in the inbox already, so only the copies are retried; held messages of a lost session are
    /// dropped (the broker redelivers them, and a redelivered refusal is dead-lettered again).
    /// </summary>
    private async Task RetryHeldAsync(CancellationToken abort)
    {
        var dropped = _held.RemoveAll(h =>
        {
            if (h.Delivery.Settlement.IsOpen)
            {
                return false;
            }

            h.Delivery.Release();
            return true;
        });
        if (dropped > 0)
        {
            _logger.DroppedHeldDeadLetters(dropped);
        }

        string? failure = null;
        if (_held.Count > 0)
        {
            failure = await _held[0].Delivery.Settlement.DeclareDeadLetterAsync(abort);
        }

        while (failure is null && _held.Count > 0)
        {
            var dead = _held[0];
            failure = await TryDeadLetterAsync(dead, abort);
            if (failure is null)
            {
                try
                {
                    await dead.Delivery.Settlement.AckAsync(dead.Delivery.DeliveryTag, multiple: false, abort);
                }
                catch (Exception ex)
                {
                    // The copy is stored; the broker redelivers the message and the inbox answers it (one more copy at worst).
                    _logger.ReplyOrAckFailed(1, ex.Message);
                }

                _held.RemoveAt(0);
                dead.Delivery.Release();
            }
        }

        if (failure is null)
        {
            _heldFailures = 0;
            _health.DeadLetterRecovered();
            _logger.DeadLetterRecovered();
            return;
        }

        _heldFailures++;
        var backoff = Backoff(_heldFailures);
        _heldRetryAt = _time.GetTimestamp() + (long)(backoff.TotalSeconds * _time.TimestampFrequency);
        _health.DeadLetterFailed($"{failure} ({_held.Count} message(s) held unacked)");
        _logger.DeadLetterStillFailing(_held.Count, failure, backoff.TotalSeconds);
    }

    /// <summary>
    /// The how-manieth delivery of this message is failing: the quorum queue's <c>x-delivery-count</c> (earlier
    /// deliveries, also across worker crashes) or the worker's own count of unexpected failures, whichever is higher
    /// (RabbitMQ 4.3 does not count a requeue, so the header alone may stay put).
    /// </summary>
    private int CountUnexpectedFailure(CommitDelivery delivery)
    {
        var key = FailureKey(delivery);
        _unexpectedFailures.TryGetValue(key, out var own);
        own++;
        if (_unexpectedFailures.Count >= 10_000)
        {
            // A bound on memory; forgetting only delays the dead-lettering, the header still counts.
            _unexpectedFailures.Clear();
        }

        _unexpectedFailures[key] = own;
        return Math.Max(delivery.DeliveryCount + 1, own);
    }

    private void ForgetUnexpectedFailures(CommitDelivery delivery)
    {
        if (_unexpectedFailures.Count > 0)
        {
            _unexpectedFailures.Remove(FailureKey(delivery));
        }
    }

    private static string FailureKey(CommitDelivery delivery) =>
        delivery.MessageId is { Length: > 0 } id ? "id:" + id : "sha256:" + Convert.ToHexString(SHA256.HashData(delivery.Body.Span));

    /// <summary>A message whose dead-letter copy is not stored yet: unacked until it is.</summary>
    private sealed record HeldDeadLetter(CommitDelivery Delivery, string Reason, ErrorCode Code);

    /// <summary>Best effort: followers that miss an announcement catch up by replaying the log.</summary>
    private async Task AnnounceAsync(ICommitSettlement settlement, IReadOnlyList<CommitOutcome> outcomes, CancellationToken abort)
    {
        try
        {
            // With replication the channel confirms: the announcements are awaited together, like the replies.
            var pending = _replication is null ? null : new List<ValueTask>();
            foreach (var outcome in outcomes)
            {
                if (outcome.Reply.Status == CommitStatus.Committed && !outcome.Duplicate)
                {
                    var announce = settlement.AnnounceAsync(outcome.Reply.TxnId, outcome.ReplyBytes, abort);
                    if (pending is null)
                    {
                        await announce;
                    }
                    else
                    {
                        pending.Add(announce);
                    }
                }
            }

            if (pending is not null)
            {
                await AwaitAllAsync(pending);
            }
        }
        catch (Exception ex)
        {
            _logger.AnnounceFailed(ex.Message);
        }
    }

    private async Task RequeueAsync(ICommitSettlement settlement, ulong lastTag, CancellationToken abort)
    {
        try
        {
            if (_held.Count == 0)
            {
                await settlement.RequeueAsync(lastTag, multiple: true, abort);
            }
            else
            {
                // A multiple nack would also requeue the held dead letters below lastTag, whose later ack would then
                // name a settled tag and close the channel: requeue the group's messages one by one instead.
                foreach (var delivery in _group)
                {
                    if (!IsHeld(delivery))
                    {
                        await settlement.RequeueAsync(delivery.DeliveryTag, multiple: false, abort);
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // A closed channel returns its unacked messages to the queue by itself.
            _logger.RequeueFailed(_group.Count, ex.Message);
        }
    }

    private (int Committed, int Rejected, int Duplicates) RecordOutcomes(IReadOnlyList<CommitOutcome> outcomes)
    {
        int committed = 0, rejected = 0, duplicates = 0;
        foreach (var outcome in outcomes)
        {
            var reply = outcome.Reply;
            if (outcome.Duplicate)
            {
                duplicates++;
                _logger.DuplicateAnswered(reply.TxnId, reply.CommitTs);
            }
            else if (reply.Status == CommitStatus.Committed)
            {
                committed++;
                _logger.TransactionCommitted(reply.TxnId, reply.CommitTs, reply.Versions.Count);
            }
            else
            {
                rejected++;
                var code = reply.ErrorCode.ToWireName();
                _counters.AddRejected(code);
                _logger.TransactionRejected(reply.TxnId, code, reply.ErrorMessage);
            }
        }

        _counters.AddOutcomes(committed, duplicates);
        return (committed, rejected, duplicates);
    }
}
