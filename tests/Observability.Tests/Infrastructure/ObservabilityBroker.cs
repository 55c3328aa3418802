using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Contracts;
using Statehouse.Testing.Brokers;
using Statehouse.Worker.Messaging;

namespace Statehouse.Observability.Tests.Infrastructure;

/// <summary>
/// The broker these tests use: the process's shared <see cref="TestBroker"/> (<c>STATEHOUSE_TEST_AMQP</c>, else
/// Testcontainers, else a failure saying how to start one), and what these tests do to its queues.
/// </summary>
public static class ObservabilityBroker
{
    private static TestBroker? s_broker;

    /// <summary>The broker's URI, once <see cref="EnsureReachableAsync"/> found it.</summary>
    public static Uri Uri => s_broker?.Uri ?? throw new InvalidOperationException($"Call {nameof(EnsureReachableAsync)} first.");

    /// <summary>A queue prefix no other test (or test run) uses.</summary>
    public static string UniquePrefix() => TestTopology.UniquePrefix("obs");

    /// <summary>Finds the broker; fails with how to get one when none answers.</summary>
    public static async Task EnsureReachableAsync() => s_broker = await TestBroker.SharedAsync();

    /// <summary>Deletes every queue and exchange of <paramref name="prefix"/>.</summary>
    public static async Task DeleteTopologyAsync(string prefix)
    {
        var failures = await TestTopology.DeleteAsync(s_broker!.Connection, new TopologyNames(prefix));
        if (failures.Count > 0)
        {
            throw new InvalidOperationException("Could not delete " + string.Join("; ", failures));
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
