using RabbitMQ.Client;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// One delivery from the commit queue, copied out of the consumer callback (whose body buffer is reused) and
/// tied to the <see cref="BrokerSession"/> it came on: its delivery tag means nothing on any other channel.
/// </summary>
internal sealed record CommitDelivery(
    BrokerSession Session,
    ulong DeliveryTag,
    byte[] Body,
    IReadOnlyBasicProperties Properties,
    bool Redelivered)
{
    public string? ReplyTo => Properties.ReplyTo;

    /// <summary>The id a reply carries; the request's correlation_id, else its message_id (the txn_id).</summary>
    public string? CorrelationId => Properties.CorrelationId ?? Properties.MessageId;
}
