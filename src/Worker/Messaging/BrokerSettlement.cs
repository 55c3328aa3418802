using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Worker.Replication;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// <see cref="ICommitSettlement"/> on a <see cref="BrokerSession"/>: replies, announcements, log records (replication),
/// acks and requeues on its commit channel, dead-letter copies on its confirming dead-letter channel, routed to the dead-letter exchange of
/// <paramref name="names"/>. It settles the <see cref="BrokerDelivery"/>s that its session's <see cref="CommitConsumer"/>
/// created.
/// </summary>
internal sealed class BrokerSettlement(BrokerSession session, TopologyNames names) : ICommitSettlement
{
    public bool IsOpen => session.IsOpen;

    public ValueTask ReplyAsync(string replyTo, string? correlationId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken) =>
        session.CommitChannel.BasicPublishAsync(string.Empty, replyTo, mandatory: false, MessageProperties.CommitReply(correlationId, session.CommitsConfirmed), reply,
            cancellationToken);

    public ValueTask AnnounceAsync(string txnId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken) =>
        session.CommitChannel.BasicPublishAsync(names.CommitsExchange, string.Empty, mandatory: false, MessageProperties.CommitReply(txnId, session.CommitsConfirmed),
            reply, cancellationToken);

    public async Task<string?> DeadLetterAsync(CommitDelivery delivery, string reason, ErrorCode code, CancellationToken cancellationToken)
    {
        // This session's consumer created every delivery settled here, each a BrokerDelivery with its AMQP properties.
        if (delivery is not BrokerDelivery received || !ReferenceEquals(received.Settlement, this))
        {
            return $"delivery {delivery.DeliveryTag} was not received on this session, so it has no properties to copy";
        }

        try
        {
            await session.DeadLetterChannel.BasicPublishAsync(names.DeadLetterExchange, names.CommitQueue, mandatory: true,
                MessageProperties.DeadLetter(received.Properties, reason, code), received.Body, cancellationToken);
            return null;
        }
        catch (PublishReturnException returned)
        {
            return $"{names.DeadLetterExchange} routed the copy to no queue ({returned.ReplyCode} {returned.ReplyText}): is {names.DeadLetterQueue} deleted?";
        }
        catch (PublishException)
        {
            return $"the broker refused the copy (basic.nack): {names.DeadLetterQueue} is full (a length limit with reject-publish?) or the broker cannot store it";
        }
        catch (Exception ex)
        {
            return $"publishing the copy failed: {ex.Message}";
        }
    }

    public async Task<string?> DeclareDeadLetterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Topology.DeclareDeadLetterAsync(session.DeadLetterChannel, names, cancellationToken, session.DeadLetterQueueArguments);
            return null;
        }
        catch (Exception ex)
        {
            return $"declaring {names.DeadLetterQueue} failed: {ex.Message}";
        }
    }

    public ValueTask AckAsync(ulong deliveryTag, bool multiple, CancellationToken cancellationToken) =>
        session.CommitChannel.BasicAckAsync(deliveryTag, multiple, cancellationToken);

    public ValueTask RequeueAsync(ulong deliveryTag, bool multiple, CancellationToken cancellationToken) =>
        session.CommitChannel.BasicNackAsync(deliveryTag, multiple, requeue: true, cancellationToken);

    public async Task PublishLogAsync(LogRecord record, CancellationToken cancellationToken)
    {
        if (!session.CommitsConfirmed)
        {
            throw new InvalidOperationException("The commit channel was opened without publisher confirmations: replication is off.");
        }

        // The commit channel confirms (BrokerSession.OpenAsync with replication): this returns once a quorum of the
        // stream's replicas has the record, and throws PublishException on a basic.nack or basic.return.
        await session.CommitChannel.BasicPublishAsync(string.Empty, names.LogStream, mandatory: true, MessageProperties.LogRecord(record),
            record.Serialize(), cancellationToken);
    }

    public void Abandon(string reason) => session.MarkLost(reason);
}
