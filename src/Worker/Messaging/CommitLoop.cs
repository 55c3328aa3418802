using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Hosting;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// The single writer. Takes every commit delivery that is ready (bounded by count and bytes), applies the group as one
/// synced write, then dead-letters what can never be applied, replies, and acks the whole group at once. The order is
/// the guarantee: nothing is replied to or acked before the write returned.
/// </summary>
internal sealed class CommitLoop
{
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);

    private readonly Channel<CommitDelivery> _deliveries;
    private readonly CommitEngine _engine;
    private readonly WorkerHealth _health;
    private readonly CommitOptions _options;
    private readonly int _prefetch;
    private readonly TopologyNames _names;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<CommitDelivery> _group;
    private readonly List<CommitRequest> _requests;
    private int _failures;
    private int _isolateRemaining;

    public CommitLoop(
        CommitEngine engine, WorkerHealth health, CommitOptions options, DeliveryBudget budget, TopologyNames names, TimeProvider time, ILogger logger)
    {
        _engine = engine;
        _health = health;
        _options = options;
        _prefetch = budget.Prefetch;
        _names = names;
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
                try
                {
                    if (!await reader.WaitToReadAsync(stopping))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException)
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
    /// Takes the deliveries that are ready, in order, all from one session, up to the count and byte limits
    /// (a single delivery larger than the byte limit forms a group of its own). Drops deliveries of lost sessions.
    /// </summary>
    private bool TakeGroup(ChannelReader<CommitDelivery> reader)
    {
        long bytes = 0;
        var dropped = 0;
        // After a group failed for an unknown reason, take one message at a time for a while, so that the broker's
        // delivery limit dead-letters only the message that fails, not every message that shared its group.
        var limit = _isolateRemaining > 0 ? 1 : _options.MaxBatchCount;
        while (_group.Count < limit && reader.TryPeek(out var next))
        {
            if (!next.Session.IsOpen)
            {
                reader.TryRead(out _);
                next.Release();
                dropped++;
                continue;
            }

            if (_group.Count > 0 && (next.Session != _group[0].Session || bytes + next.Body.Length > _options.MaxBatchBytes))
            {
                break;
            }

            reader.TryRead(out _);
            _group.Add(next);
            bytes += next.Body.Length;
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

    /// <summary>The group is settled (or lost with its session): its bodies go back to the pool.</summary>
    private void ReleaseGroup()
    {
        foreach (var delivery in _group)
        {
            delivery.Release();
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
        var session = _group[0].Session;
        var lastTag = _group[^1].DeliveryTag;
        if (!session.IsOpen)
        {
            // Lost between taking and applying: whatever is written now could not be acked anyway.
            _logger.DroppedStaleDeliveries(_group.Count);
            return GroupOutcome.Done;
        }

        foreach (var delivery in _group)
        {
            _requests.Add(new CommitRequest(delivery.Body, delivery.Properties.MessageId, delivery.Properties.UserId, delivery.Redelivered));
        }

        var started = _time.GetTimestamp();
        CommitGroupResult result;
        try
        {
            if (!_health.StorageWritable && !_engine.TryRecoverStorage(out var reopenError))
            {
                throw new StorageWriteException("The store cannot be reopened yet: " + reopenError);
            }

            result = _engine.Apply(_requests);
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
            // Bad input comes back as outcomes; an exception is a bug or worse. Requeue: the broker's delivery limit
            // dead-letters a message that keeps failing, so one poison message cannot stop the worker for good.
            _logger.CommitGroupFailed(_group.Count, ex);
            await RequeueAsync(session, lastTag, abort);
            _isolateRemaining = Math.Max(_isolateRemaining, _prefetch);
            return GroupOutcome.Requeued;
        }

        if (!_health.StorageWritable)
        {
            _health.StorageRecovered();
            _logger.StorageRecovered();
        }

        // Counted before the replies go out, so that a client holding its reply finds it counted.
        var counts = RecordOutcomes(result.Outcomes);
        WorkerTotals.SetLastCommitTs(result.LastCommitTs);
        await CompleteAsync(session, lastTag, result.Outcomes, abort);

        var elapsed = _time.GetElapsedTime(started);
        WorkerMetrics.BatchSize.Record(_group.Count);
        WorkerMetrics.CommitDuration.Record(elapsed.TotalSeconds);
        _logger.GroupCommitted(_group.Count, counts.Committed, counts.Rejected, counts.Duplicates, result.LastCommitTs,
            elapsed.TotalMilliseconds);
        return GroupOutcome.Done;
    }

    /// <summary>After the synced write: dead-letter copies (confirmed), replies in order, one ack, announcements.</summary>
    private async Task CompleteAsync(BrokerSession session, ulong lastTag, IReadOnlyList<CommitOutcome> outcomes, CancellationToken abort)
    {
        try
        {
            for (var i = 0; i < outcomes.Count; i++)
            {
                if (outcomes[i].DeadLetterReason is { } reason)
                {
                    await DeadLetterAsync(session, _group[i], outcomes[i], reason, abort);
                }
            }
        }
        catch (Exception ex)
        {
            // Acking now would lose the message without its dead-letter copy. Requeued, it comes back and is answered
            // from the inbox; nothing is written twice.
            _logger.DeadLetterFailed(_group.Count, ex.Message);
            await RequeueAsync(session, lastTag, abort);
            return;
        }

        try
        {
            // Replies go out without confirms, on the channel that acks: the broker sees them before the ack.
            for (var i = 0; i < outcomes.Count; i++)
            {
                if (_group[i].ReplyTo is { Length: > 0 } replyTo)
                {
                    await session.CommitChannel.BasicPublishAsync(string.Empty, replyTo, mandatory: false,
                        MessageProperties.CommitReply(_group[i].CorrelationId), outcomes[i].ReplyBytes, abort);
                }
            }

            await session.CommitChannel.BasicAckAsync(lastTag, multiple: true, abort);
        }
        catch (Exception ex)
        {
            // The write stands. The unacked messages are redelivered and answered again from the inbox.
            _logger.ReplyOrAckFailed(_group.Count, ex.Message);
            return;
        }

        await AnnounceAsync(session, outcomes, abort);
    }

    private async Task DeadLetterAsync(
        BrokerSession session, CommitDelivery delivery, CommitOutcome outcome, string reason, CancellationToken abort)
    {
        // Publisher confirms are on for this channel: this returns once the broker has the copy, and throws if it refused it.
        await session.DeadLetterChannel.BasicPublishAsync(_names.DeadLetterExchange, _names.CommitQueue, mandatory: false,
            MessageProperties.DeadLetter(delivery.Properties, reason, outcome.Reply.ErrorCode), delivery.Body, abort);
        WorkerTotals.AddDeadLetter();
        _logger.DeadLettered(delivery.Properties.MessageId, outcome.Reply.ErrorCode.ToWireName(), reason);
    }

    /// <summary>Best effort: followers that miss an announcement catch up by replaying the log.</summary>
    private async Task AnnounceAsync(BrokerSession session, IReadOnlyList<CommitOutcome> outcomes, CancellationToken abort)
    {
        try
        {
            foreach (var outcome in outcomes)
            {
                if (outcome.Reply.Status == CommitStatus.Committed && !outcome.Duplicate)
                {
                    await session.CommitChannel.BasicPublishAsync(_names.CommitsExchange, string.Empty, mandatory: false,
                        MessageProperties.CommitReply(outcome.Reply.TxnId), outcome.ReplyBytes, abort);
                }
            }
        }
        catch (Exception ex)
        {
            _logger.AnnounceFailed(ex.Message);
        }
    }

    private async Task RequeueAsync(BrokerSession session, ulong lastTag, CancellationToken abort)
    {
        try
        {
            await session.CommitChannel.BasicNackAsync(lastTag, multiple: true, requeue: true, abort);
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
                WorkerTotals.AddRejected(code);
                _logger.TransactionRejected(reply.TxnId, code, reply.ErrorMessage);
            }
        }

        WorkerTotals.AddOutcomes(committed, duplicates);
        return (committed, rejected, duplicates);
    }
}
