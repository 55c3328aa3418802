using System.Buffers;
using RabbitMQ.Client;
using Statehouse.Contracts;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// One delivery from the commit queue, copied out of the consumer callback (whose body buffer is reused) and tied to
/// the <see cref="ICommitSettlement"/> of the session it came on: its delivery tag means nothing on any other channel.
/// The commit loop reads the AMQP properties it needs as plain fields; <see cref="Properties"/> is kept whole for the
/// dead-letter copy. The body lives in a buffer of <see cref="ArrayPool{T}.Shared"/>, the pool RabbitMQ.Client received
/// it into, so the worker reuses the client's buffers instead of adding a second copy of every delivery to the heap. It
/// is valid until <see cref="Release"/>, which the commit loop calls once the delivery's group is settled or dropped.
/// </summary>
internal sealed class CommitDelivery
{
    private byte[]? _buffer;

    private CommitDelivery(
        ICommitSettlement settlement, ulong deliveryTag, ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, bool redelivered)
    {
        Settlement = settlement;
        DeliveryTag = deliveryTag;
        Body = body;
        Properties = properties;
        Redelivered = redelivered;
        Requeued = properties.Headers?.ContainsKey(MessageHeaders.RequeuedBy) == true;
        DeliveryCount = properties.Headers is { } headers && headers.TryGetValue("x-delivery-count", out var value)
            ? value switch { long l => (int)Math.Min(l, int.MaxValue), int i => i, _ => 0 }
            : 0;
    }

    /// <summary>The session's settlement: where this delivery is replied to, acked, requeued or dead-lettered.</summary>
    public ICommitSettlement Settlement { get; }

    /// <summary>The delivery tag, valid on <see cref="Settlement"/> only.</summary>
    public ulong DeliveryTag { get; }

    /// <summary>The envelope bytes; valid until <see cref="Release"/>.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The AMQP properties as delivered, for the dead-letter copy (which keeps them).</summary>
    public IReadOnlyBasicProperties Properties { get; }

    /// <summary>The broker delivered this message before (it was not acked).</summary>
    public bool Redelivered { get; }

    /// <summary>An operator requeued it from the dead-letter queue (header <c>x-statehouse-requeued-by</c>).</summary>
    public bool Requeued { get; }

    /// <summary>Earlier deliveries of this message, as the quorum queue counts them (<c>x-delivery-count</c>; 0 when absent).</summary>
    public int DeliveryCount { get; }

    /// <summary>The AMQP message_id: the txn_id, as the client sets it.</summary>
    public string? MessageId => Properties.MessageId;

    /// <summary>The AMQP user_id, checked by the broker against the publishing connection's user.</summary>
    public string? UserId => Properties.UserId;

    public string? ReplyTo => Properties.ReplyTo;

    /// <summary>The id a reply carries; the request's correlation_id, else its message_id (the txn_id).</summary>
    public string? CorrelationId => Properties.CorrelationId ?? Properties.MessageId;

    /// <summary>Copies a delivery out of the consumer callback into a pooled buffer.</summary>
    public static CommitDelivery Copy(
        ICommitSettlement settlement, ulong deliveryTag, ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, bool redelivered)
    {
        if (body.IsEmpty)
        {
            return new CommitDelivery(settlement, deliveryTag, ReadOnlyMemory<byte>.Empty, new BasicProperties(properties), redelivered);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(body.Length);
        body.Span.CopyTo(buffer);
        return new CommitDelivery(settlement, deliveryTag, buffer.AsMemory(0, body.Length), new BasicProperties(properties), redelivered)
        {
            _buffer = buffer,
        };
    }

    /// <summary>Returns the body's buffer to the pool; <see cref="Body"/> must not be read afterwards. Idempotent.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
