using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Contracts;
using Statehouse.Worker.Messaging;

namespace Statehouse.Observability.Tests.Infrastructure;

/// <summary>The broker the tests use: <c>STATEHOUSE_TEST_AMQP</c>, else the local development node.</summary>
public static class TestBroker
{
    public static Uri Uri { get; } = new(Environment.GetEnvironmentVariable("STATEHOUSE_TEST_AMQP") is { Length: > 0 } uri
        ? uri
        : "amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>A queue prefix no other test (or test run) uses.</summary>
    public static string UniquePrefix() => "obs-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Fails with how to get a broker when none answers.</summary>
    public static async Task EnsureReachableAsync()
    {
        try
        {
            await using var connection = await ConnectAsync();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"No RabbitMQ broker at {Uri}: start one with `scripts/broker.sh start` (or set STATEHOUSE_TEST_AMQP). {e.Message}", e);
        }
    }

    /// <summary>Deletes every queue and exchange of <paramref name="prefix"/>.</summary>
    public static async Task DeleteTopologyAsync(string prefix)
    {
        var names = new TopologyNames(prefix);
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in new[] { names.CommitQueue, names.DeadLetterQueue, names.ReadQueue, names.DeploymentStream })
        {
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        }

        foreach (var exchange in new[] { names.DeadLetterExchange, names.CommitsExchange })
        {
            await channel.ExchangeDeleteAsync(exchange, ifUnused: false);
        }
    }

    /// <summary>
    /// Declares the commit queue of <paramref name="prefix"/> as the worker does and becomes its single active consumer,
    /// holding one delivery unacked (prefetch 1), then publishes <paramref name="messages"/> messages. A worker started
    /// afterwards waits as the inactive consumer, so <c>messages - 1</c> stay ready until this is disposed.
    /// </summary>
    public static async Task<IAsyncDisposable> HoldCommitQueueAsync(string prefix, int messages)
    {
        var names = new TopologyNames(prefix);
        var connection = await ConnectAsync();
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync(names.CommitQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: Topology.CommitQueueArguments(names, new BrokerOptions().DeliveryLimit));
        await channel.BasicQosAsync(0, prefetchCount: 1, global: false);
        await channel.BasicConsumeAsync(names.CommitQueue, autoAck: false, new AsyncEventingBasicConsumer(channel));
        for (var i = 0; i < messages; i++)
        {
            await channel.BasicPublishAsync(string.Empty, names.CommitQueue, mandatory: true,
                new BasicProperties { Persistent = true, MessageId = $"held-{i}" }, "not an envelope"u8.ToArray());
        }

        return connection;
    }

    private static Task<IConnection> ConnectAsync() =>
        new ConnectionFactory { Uri = Uri, RequestedConnectionTimeout = TimeSpan.FromSeconds(5) }.CreateConnectionAsync();
}
