using System.Threading.Channels;
using RabbitMQ.Client;
using Statehouse.Worker.Replication;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// Hands each message of the log stream to a <see cref="LogFollower"/>, with its stream offset (the broker's
/// <c>x-stream-offset</c> header) and a copy of its body. Does no work itself; the follower's bounded queue and the
/// consumer's prefetch bound what is held.
/// </summary>
internal sealed class LogConsumer(IChannel channel, BrokerSession session, ChannelWriter<LogDelivery> deliveries)
    : AsyncDefaultBasicConsumer(channel)
{
    /// <summary>The header in which RabbitMQ gives a stream message's offset to an AMQP 0-9-1 consumer.</summary>
    public const string OffsetHeader = "x-stream-offset";

    public override async Task HandleBasicDeliverAsync(
        string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
        IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        if (properties.Headers?.TryGetValue(OffsetHeader, out var value) != true || value is not long offset)
        {
            // Without its offset a record cannot be placed in the log: following on would be guessing.
            session.MarkLost($"a message of the log stream came without a numeric {OffsetHeader} header");
            return;
        }

        try
        {
            // The body buffer is reused once this returns.
            await deliveries.WriteAsync(new LogDelivery(offset, deliveryTag, body.ToArray()), session.Closing);
        }
        catch (OperationCanceledException)
        {
            // The session is gone: the next one reads from the store's position again.
        }
    }

    public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        // The broker cancelled the log consumer (the stream was deleted, or its node is going away): rebuild the session.
        session.MarkLost("the broker cancelled the log consumer");
        await base.HandleBasicCancelAsync(consumerTag, cancellationToken);
    }
}
