using System.Text;
using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Contracts;
using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Messaging;

/// <summary>
/// A message that keeps failing (here: a consumer that returns it every time, as a worker crashing on it would) is
/// dead-lettered by the broker once it exceeds the commit queue's <c>x-delivery-limit</c>, instead of looping forever.
/// </summary>
public sealed class DeliveryLimitTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private const int DeliveryLimit = 2;

    [Fact]
    public async Task Requeue_BeyondDeliveryLimit_DeadLetteredWithDeathInfoAndWorkerCommitsOthers()
    {
        var limit = ("Statehouse:Broker:DeliveryLimit", DeliveryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // The worker declares the topology (with the limit and the dead-letter exchange), then leaves the queue to us.
        var worker = await Scope.StartWorkerAsync(limit);
        Assert.Equal(0, await worker.StopAsync());

        var raw = await Scope.CreateRawClientAsync();
        var poison = Envelopes.Write("poison", ("agent", "poison", "never applied"));
        await raw.PublishCommitAsync(Scope.Names, poison);

        var deliveries = new List<(bool Redelivered, object? DeliveryCount)>();
        var dead = await NackUntilDeadLetteredAsync(raw, deliveries);

        var deaths = Assert.IsAssignableFrom<IList<object>>(dead.Headers["x-death"]);
        var death = Assert.IsAssignableFrom<IDictionary<string, object>>(deaths[0]);
        var reason = Text(death["reason"]);
        var queue = Text(death["queue"]);
        Output.WriteLine($"deliveries={deliveries.Count} (x-delivery-count per delivery: {string.Join(", ", deliveries.Select(d => d.DeliveryCount ?? "none"))}); " +
            $"dead-lettered: reason={reason} queue={queue} x-death count={death["count"]}");

        // Delivered once plus DeliveryLimit redeliveries; the return after the last one exceeds the limit.
        Assert.Equal(DeliveryLimit + 1, deliveries.Count);
        Assert.False(deliveries[0].Redelivered);
        Assert.All(deliveries.Skip(1), d => Assert.True(d.Redelivered));
        Assert.Equal(poison.TxnId, dead.MessageId);
        Assert.Equal(WireFormat.Serialize(poison), dead.Body);
        Assert.Equal("delivery_limit", reason);
        Assert.Equal(Scope.Names.CommitQueue, queue);
        Assert.Equal(0u, await raw.MessageCountAsync(Scope.Names.CommitQueue));

        await Scope.StartWorkerAsync(limit);
        var client = await Scope.ConnectClientAsync();
        var first = await CommitAsync(client, tx => tx.Write("agent", "k1", "after the poison"));
        var second = await CommitAsync(client, tx => tx.Write("agent", "k2", "and another"));

        Assert.Equal((1L, 2L), (first.CommitTs, second.CommitTs));
        Assert.False((await client.GetStateAsync<string>("agent", "poison", ct: LongCt)).Exists);
        Assert.Equal(0u, await raw.MessageCountAsync(Scope.Names.DeadLetterQueue));
    }

    /// <summary>
    /// Consumes the commit queue (the worker is stopped, so this consumer is the single active one) and returns every
    /// delivery with requeue, until the message shows up in the dead-letter queue. More deliveries than the limit allows
    /// fail the test: that would be the loop the limit exists to stop.
    /// </summary>
    private async Task<ReceivedMessage> NackUntilDeadLetteredAsync(RawAmqpClient raw, List<(bool Redelivered, object? DeliveryCount)> deliveries)
    {
        var seen = Channel.CreateUnbounded<(bool, object?)>();
        await using var channel = await Broker.Connection.CreateChannelAsync(cancellationToken: LongCt);
        await channel.BasicQosAsync(0, 1, global: false, LongCt);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var headers = delivery.BasicProperties.Headers;
            seen.Writer.TryWrite((delivery.Redelivered, headers is not null && headers.TryGetValue("x-delivery-count", out var count) ? count : null));
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true);
        };
        await channel.BasicConsumeAsync(Scope.Names.CommitQueue, autoAck: false, consumer, LongCt);

        var dead = raw.NextMessageAsync(Scope.Names.DeadLetterQueue, Patience);
        while (!dead.IsCompleted)
        {
            var next = seen.Reader.ReadAsync(LongCt).AsTask();
            if (await Task.WhenAny(next, dead) == next)
            {
                deliveries.Add(await next);
                Assert.True(deliveries.Count <= DeliveryLimit + 1, $"delivered {deliveries.Count} times with x-delivery-limit {DeliveryLimit}: not dead-lettered");
            }
        }

        // Our consumer must be gone before a worker starts: with single-active-consumer it would keep the queue.
        await channel.CloseAsync(LongCt);
        while (seen.Reader.TryRead(out var late))
        {
            deliveries.Add(late);
        }

        return await dead;
    }

    private static string? Text(object? value) => value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : value?.ToString();
}
