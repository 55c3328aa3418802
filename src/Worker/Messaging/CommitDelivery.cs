using System.Buffers;
using RabbitMQ.Client;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// One delivery from the commit queue, copied out of the consumer callback (whose body buffer is reused) and
/// tied to the <see cref="BrokerSession"/> it came on: its delivery tag means nothing on any other channel.
/// The body lives in a buffer of <see cref="ArrayPool{T}.Shared"/>, the pool RabbitMQ.Client received it into, so the
/// worker reuses the client's buffers instead of adding a second copy of every delivery to the heap. It is valid until
/// <see cref="Release"/>, which the commit loop calls once the delivery's group is settled or dropped.
/// </summary>
internal sealed record CommitDelivery(
    BrokerSession Session,
    ulong DeliveryTag,
    ReadOnlyMemory<byte> Body,
    IReadOnlyBasicProperties Properties,
    bool Redelivered)
{
    private byte[]? _buffer;

    public string? ReplyTo => Properties.ReplyTo;

    /// <summary>The id a reply carries; the request's correlation_id, else its message_id (the txn_id).</summary>
    public string? CorrelationId => Properties.CorrelationId ?? Properties.MessageId;

    /// <summary>Copies a delivery out of the consumer callback into a pooled buffer.</summary>
    public static CommitDelivery Copy(
        BrokerSession session, ulong deliveryTag, ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, bool redelivered)
    {
        if (body.IsEmpty)
        {
            return new CommitDelivery(session, deliveryTag, ReadOnlyMemory<byte>.Empty, new BasicProperties(properties), redelivered);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(body.Length);
        body.Span.CopyTo(buffer);
        return new CommitDelivery(session, deliveryTag, buffer.AsMemory(0, body.Length), new BasicProperties(properties), redelivered)
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
