using System.Threading.Channels;
using RabbitMQ.Client;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// Hands each commit delivery to the commit loop. Does no work itself, so the broker's dispatcher is never held up
/// by a synced write; the bounded queue behind it, together with the prefetch (lowered to fit the memory budget),
/// limits what is held in memory.
/// </summary>
internal sealed class CommitConsumer(
    IChannel channel, BrokerSession session, ICommitSettlement settlement, ChannelWriter<CommitDelivery> deliveries)
    : AsyncDefaultBasicConsumer(channel)
{
    public override async Task HandleBasicDeliverAsync(
        string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
        IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        // The body buffer is reused once this returns: the loop gets its own copy, in a buffer of the same pool.
        var delivery = BrokerDelivery.Copy(settlement, deliveryTag, body, properties, redelivered);
        try
        {
            await deliveries.WriteAsync(delivery, session.Closing);
        }
        catch (OperationCanceledException)
        {
            // The session is gone: the broker redelivers this message on the next one.
            delivery.Release();
        }
    }

    public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        // The broker cancelled us (the queue was deleted, or the node is going away): rebuild the session,
        // which declares the topology again.
        session.MarkLost("the broker cancelled the commit consumer");
        await base.HandleBasicCancelAsync(consumerTag, cancellationToken);
    }
}
