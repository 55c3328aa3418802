using System.Diagnostics;
using RabbitMQ.Client;
using Statehouse.Contracts;
using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Messaging;

/// <summary>
/// The broker's own dead-lettering past x-delivery-limit, when the dead-letter queue is missing: the quorum queue keeps
/// the message and its dead-letter worker retries it on a timer (about 3 minutes on RabbitMQ 3.10) until it routes.
/// Mostly waiting on that timer: in the clock collection, beside the other broker tests.
/// </summary>
[Collection(IntegrationTest.ClockCollectionName)]
public sealed class DeadLetterRetryTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    [Fact]
    public async Task DeliveryLimit_DeadLetterQueueMissing_BrokerKeepsMessageUntilRoutable()
    {
        const int DeliveryLimit = 1;
        var limit = ("Statehouse:Broker:DeliveryLimit", DeliveryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var worker = await Scope.StartWorkerAsync(limit);
        Assert.Equal(0, await worker.StopAsync());
        var raw = await Scope.CreateRawClientAsync();
        await using var channel = await Broker.Connection.CreateChannelAsync(cancellationToken: LongCt);
        await channel.QueueDeleteAsync(Scope.Names.DeadLetterQueue, ifUnused: false, ifEmpty: false, cancellationToken: LongCt);

        var poison = Envelopes.Write("poison", ("agent", "poison", "never applied"));
        await raw.PublishCommitAsync(Scope.Names, poison);
        // Returned with requeue past the limit (as a worker crashing on it would): the broker dead-letters it into an
        // exchange that routes to no queue. Our consumer is the single active one: the worker is stopped.
        var deliveries = System.Threading.Channels.Channel.CreateUnbounded<ulong>();
        await channel.BasicQosAsync(0, 1, global: false, LongCt);
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            deliveries.Writer.TryWrite(delivery.DeliveryTag);
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true);
        };
        var tag = await channel.BasicConsumeAsync(Scope.Names.CommitQueue, autoAck: false, consumer, LongCt);
        for (var i = 0; i <= DeliveryLimit; i++)
        {
            await deliveries.Reader.ReadAsync(LongCt).AsTask().WaitAsync(Patience, LongCt);
        }

        await channel.BasicCancelAsync(tag, noWait: false, LongCt);
        Assert.Equal(0u, await raw.MessageCountAsync(Scope.Names.CommitQueue));
        Assert.False(deliveries.Reader.TryRead(out _), "delivered again past x-delivery-limit");
        var dropped = Stopwatch.StartNew();
        await channel.QueueDeclareAsync(Scope.Names.DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: LongCt);
        await channel.QueueBindAsync(Scope.Names.DeadLetterQueue, Scope.Names.DeadLetterExchange, string.Empty, cancellationToken: LongCt);

        // The quorum queue's dead-letter worker retries unrouted messages on a timer (about 3 minutes on 3.10).
        var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue, TimeSpan.FromMinutes(5));
        Output.WriteLine($"the broker's own dead letter reached the re-created queue after {dropped.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(poison.TxnId, dead.MessageId);
        Assert.Equal(WireFormat.Serialize(poison), dead.Body);
    }
}
