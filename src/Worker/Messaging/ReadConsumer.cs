using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Statehouse.Contracts;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// Answers read requests straight from the store, several at once (the channel's dispatch concurrency), never through
/// the commit loop. A request is acked after its reply went out; one left unacked is redelivered, and reads are safe
/// to answer twice. A read that waits for its <c>min_commit_ts</c> holds one of those slots but no thread, and a drain
/// ends the wait and leaves the request to another worker.
/// </summary>
internal sealed class ReadConsumer(IChannel channel, ReadService reads, WorkerCounters counters, ILogger logger)
    : AsyncDefaultBasicConsumer(channel)
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _draining = new();
    private int _inFlight;
    private int _stopping;

    public override async Task HandleBasicDeliverAsync(
        string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
        IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (Volatile.Read(ref _stopping) == 1)
            {
                // The store is about to close: leave the request unacked, the broker hands it to the next worker.
                return;
            }

            if (await AnswerAsync(body, properties.UserId) is not { } reply)
            {
                // The worker began stopping while the read waited to catch up: unacked, it goes to the next worker.
                return;
            }

            counters.AddRead(reply.ErrorCode.ToWireName());
            if (!string.IsNullOrEmpty(properties.ReplyTo))
            {
                await Channel.BasicPublishAsync(string.Empty, properties.ReplyTo, mandatory: false,
                    MessageProperties.ReadReply(properties.CorrelationId), WireFormat.Serialize(reply), cancellationToken);
            }

            await Channel.BasicAckAsync(deliveryTag, multiple: false, cancellationToken);
        }
        catch (Exception ex)
        {
            // Only the channel can fail here (the read service answers every request); the request is redelivered.
            logger.ReadReplyFailed(ex.Message);
        }
        finally
        {
            if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _stopping) == 1)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>Refuses new requests and waits for those in flight, so the store can be closed after it.</summary>
    public Task DrainAsync(CancellationToken cancellationToken)
    {
        // A full fence between raising the flag and reading the count: a request either sees the flag or is counted.
        Interlocked.Exchange(ref _stopping, 1);
        _draining.Cancel();
        if (Interlocked.CompareExchange(ref _inFlight, 0, 0) == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The reply, or null when a drain ended the read's catch-up wait.</summary>
    private async ValueTask<ReadReply?> AnswerAsync(ReadOnlyMemory<byte> body, string? userId)
    {
        try
        {
            return await reads.HandleAsync(body, userId, _draining.Token);
        }
        catch (OperationCanceledException) when (_draining.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            // The read service is meant never to throw; if it does, the client still gets an answer.
            logger.ReadFailed(ex);
            return ReadReply.Error(ErrorCode.InternalError, "The read failed inside the worker.");
        }
    }
}
