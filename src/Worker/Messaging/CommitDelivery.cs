using System.Buffers;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// One delivery from the commit queue as the commit loop sees it: plain fields, no broker type. It is copied out of the
/// consumer callback (whose body buffer is reused) and tied to the <see cref="ICommitSettlement"/> of the session it came
/// on: its delivery tag means nothing on any other channel. The broker's consumer creates the subtype
/// <see cref="BrokerDelivery"/>, which also keeps the AMQP properties for the dead-letter copy. The body lives in a buffer
/// of <see cref="ArrayPool{T}.Shared"/>, the pool RabbitMQ.Client received it into, so the worker reuses the client's
/// buffers instead of adding a second copy of every delivery to the heap. It is valid until <see cref="Release"/>, which
/// the commit loop calls once the delivery's group is settled or dropped.
/// </summary>
internal class CommitDelivery
{
    private byte[]? _buffer;

    /// <summary>Copies <paramref name="body"/> into a pooled buffer (none for an empty body); set the other fields with init.</summary>
    public CommitDelivery(ICommitSettlement settlement, ulong deliveryTag, ReadOnlyMemory<byte> body)
    {
        Settlement = settlement;
        DeliveryTag = deliveryTag;
        if (!body.IsEmpty)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(body.Length);
            body.Span.CopyTo(_buffer);
            Body = _buffer.AsMemory(0, body.Length);
        }
    }

    /// <summary>The session's settlement: where this delivery is replied to, acked, requeued or dead-lettered.</summary>
    public ICommitSettlement Settlement { get; }

    /// <summary>The delivery tag, valid on <see cref="Settlement"/> only.</summary>
    public ulong DeliveryTag { get; }

    /// <summary>The envelope bytes; valid until <see cref="Release"/>.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The broker delivered this message before (it was not acked).</summary>
    public bool Redelivered { get; init; }

    /// <summary>An operator requeued it from the dead-letter queue (header <c>x-statehouse-requeued-by</c>).</summary>
    public bool Requeued { get; init; }

    /// <summary>Earlier deliveries of this message, as the quorum queue counts them (<c>x-delivery-count</c>; 0 when absent).</summary>
    public int DeliveryCount { get; init; }

    /// <summary>The AMQP message_id: the txn_id, as the client sets it.</summary>
    public string? MessageId { get; init; }

    /// <summary>The AMQP user_id, checked by the broker against the publishing connection's user.</summary>
    public string? UserId { get; init; }

    /// <summary>The AMQP reply_to: the queue the reply goes to; null when the sender wants none.</summary>
    public string? ReplyTo { get; init; }

    /// <summary>The id a reply carries; the request's correlation_id, else its message_id (the txn_id).</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Returns the body's buffer to the pool; <see cref="Body"/> must not be read afterwards. Idempotent.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
