using RabbitMQ.Client;
using Statehouse.Contracts;
using Statehouse.Worker.Messaging;

namespace Statehouse.Worker.Tests.Messaging;

/// <summary>The broker side of a delivery: what the commit loop reads, taken from the AMQP properties, and the dead-letter copy's properties.</summary>
public sealed class BrokerDeliveryTests
{
    private readonly RecordingSettlement _session = new(new LoopEvents(), "a");

    [Fact]
    public void Copy_DeliveredProperties_LoopFieldsComeFromThem()
    {
        var properties = new BasicProperties
        {
            MessageId = "tx-1",
            CorrelationId = "corr-1",
            UserId = "alice",
            ReplyTo = "replies",
            Headers = new Dictionary<string, object?> { ["x-delivery-count"] = 3L, [MessageHeaders.RequeuedBy] = "ops" },
        };

        var delivery = BrokerDelivery.Copy(_session, 7, new byte[] { 1, 2, 3 }, properties, redelivered: true);

        Assert.Same(_session, delivery.Settlement);
        Assert.Equal((7UL, "tx-1", "corr-1", "alice", "replies"),
            (delivery.DeliveryTag, delivery.MessageId, delivery.CorrelationId, delivery.UserId, delivery.ReplyTo));
        Assert.Equal((true, true, 3), (delivery.Redelivered, delivery.Requeued, delivery.DeliveryCount));
        Assert.Equal([1, 2, 3], delivery.Body.ToArray());
        Assert.Equal("tx-1", delivery.Properties.MessageId);
    }

    [Fact]
    public void Copy_NoCorrelationIdNoHeaders_RepliesWithMessageIdAndCountsNoDelivery()
    {
        var delivery = BrokerDelivery.Copy(_session, 1, new byte[] { 1 }, new BasicProperties { MessageId = "tx-2" }, redelivered: false);

        Assert.Equal(("tx-2", false, false, 0), (delivery.CorrelationId, delivery.Redelivered, delivery.Requeued, delivery.DeliveryCount));
    }

    [Fact]
    public void Copy_CallbackBuffersReusedAfterwards_KeepsItsOwnBodyAndProperties()
    {
        var body = new byte[] { 4, 5 };
        var properties = new BasicProperties { MessageId = "tx-3" };

        var delivery = BrokerDelivery.Copy(_session, 1, body, properties, redelivered: false);
        body[0] = 0;
        properties.MessageId = "reused";

        Assert.Equal([4, 5], delivery.Body.ToArray());
        Assert.Equal(("tx-3", "tx-3"), (delivery.MessageId, delivery.Properties.MessageId));
    }

    [Fact]
    public void Release_CalledTwice_ReturnsTheBufferOnce()
    {
        var delivery = BrokerDelivery.Copy(_session, 1, new byte[] { 1 }, new BasicProperties(), redelivered: false);
        var empty = BrokerDelivery.Copy(_session, 2, ReadOnlyMemory<byte>.Empty, new BasicProperties(), redelivered: false);

        delivery.Release();
        delivery.Release();
        empty.Release();

        Assert.True(empty.Body.IsEmpty);
    }

    [Fact]
    public void DeadLetter_DeliveredProperties_KeepsThemMovesUserIdToHeaderDropsExpirationAndSequenceNumber()
    {
        var delivery = BrokerDelivery.Copy(_session, 1, new byte[] { 1 }, new BasicProperties
        {
            MessageId = "tx-4",
            CorrelationId = "corr-4",
            ReplyTo = "replies",
            UserId = "alice",
            Expiration = "60000",
            ContentType = WireFormat.ContentType,
            Headers = new Dictionary<string, object?> { [Constants.PublishSequenceNumberHeader] = 9L, ["custom"] = "kept" },
        }, redelivered: false);

        var copy = MessageProperties.DeadLetter(delivery.Properties, "undecodable", ErrorCode.InvalidRequest);

        Assert.Equal(("tx-4", "corr-4", "replies", WireFormat.ContentType), (copy.MessageId, copy.CorrelationId, copy.ReplyTo, copy.ContentType));
        Assert.Equal((null, null, DeliveryModes.Persistent), (copy.UserId, copy.Expiration, copy.DeliveryMode));
        Assert.Equal("alice", copy.Headers![MessageHeaders.DeadLetteredUserId]);
        Assert.Equal("undecodable", copy.Headers[MessageHeaders.Error]);
        Assert.Equal(ErrorCode.InvalidRequest.ToWireName(), copy.Headers[MessageHeaders.ErrorCode]);
        Assert.Equal("kept", copy.Headers["custom"]);
        Assert.False(copy.Headers.ContainsKey(Constants.PublishSequenceNumberHeader));
        Assert.Equal("alice", delivery.Properties.UserId);
    }
}
