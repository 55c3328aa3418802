using RabbitMQ.Client;
using Statehouse.Contracts;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// A <see cref="CommitDelivery"/> as <see cref="CommitConsumer"/> received it from RabbitMQ: the loop's plain fields read
/// from the AMQP properties, and the properties kept whole for the dead-letter copy that <see cref="BrokerSettlement"/>
/// publishes (<see cref="MessageProperties.DeadLetter"/>).
/// </summary>
internal sealed class BrokerDelivery : CommitDelivery
{
    private BrokerDelivery(ICommitSettlement settlement, ulong deliveryTag, ReadOnlyMemory<byte> body, BasicProperties properties)
        : base(settlement, deliveryTag, body)
    {
        Properties = properties;
    }

    /// <summary>The AMQP properties as delivered (a copy: the client's instance belongs to the callback).</summary>
    public IReadOnlyBasicProperties Properties { get; }

    /// <summary>Copies a delivery out of the consumer callback: the body into a pooled buffer, the properties into a copy.</summary>
    public static BrokerDelivery Copy(
        ICommitSettlement settlement, ulong deliveryTag, ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, bool redelivered)
    {
        var copy = new BasicProperties(properties);
        return new BrokerDelivery(settlement, deliveryTag, body, copy)
        {
            Redelivered = redelivered,
            Requeued = copy.Headers?.ContainsKey(MessageHeaders.RequeuedBy) == true,
            DeliveryCount = copy.Headers is { } headers && headers.TryGetValue("x-delivery-count", out var value)
                ? value switch { long l => (int)Math.Min(l, int.MaxValue), int i => i, _ => 0 }
                : 0,
            MessageId = copy.MessageId,
            UserId = copy.UserId,
            ReplyTo = copy.ReplyTo,
            CorrelationId = copy.CorrelationId ?? copy.MessageId,
        };
    }
}
