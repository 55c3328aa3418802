using RabbitMQ.Client;
using Statehouse.Contracts;

namespace Statehouse.Bench.Echo;

/// <summary>
/// The worker's topology, declared exactly as <c>Statehouse.Worker.Messaging.Topology</c> does (that class is internal
/// to the worker): the echo server must consume from the same kind of queue, with the same arguments, as the worker.
/// Also removes a run's queues and exchanges afterwards.
/// </summary>
internal static class CommitTopology
{
    /// <summary>The worker's default <c>Statehouse:Broker:DeliveryLimit</c>.</summary>
    public const int DefaultDeliveryLimit = 20;

    public static Dictionary<string, object?> CommitQueueArguments(TopologyNames names, int deliveryLimit) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-single-active-consumer"] = true,
        ["x-delivery-limit"] = deliveryLimit,
        ["x-dead-letter-exchange"] = names.DeadLetterExchange,
    };

    public static async Task DeclareAsync(IChannel channel, TopologyNames names, int deliveryLimit, CancellationToken ct)
    {
        await channel.ExchangeDeclareAsync(names.DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await channel.QueueDeclareAsync(names.DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
        await channel.QueueBindAsync(names.DeadLetterQueue, names.DeadLetterExchange, routingKey: string.Empty, cancellationToken: ct);
        await channel.QueueDeclareAsync(names.CommitQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: CommitQueueArguments(names, deliveryLimit), cancellationToken: ct);
        await channel.QueueDeclareAsync(names.ReadQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
        await channel.ExchangeDeclareAsync(names.CommitsExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
    }

    /// <summary>Deletes every queue and exchange of <paramref name="names"/>; what does not exist is skipped.</summary>
    public static async Task DeleteAsync(Uri uri, TopologyNames names, CancellationToken ct)
    {
        var factory = new ConnectionFactory { Uri = uri, ClientProvidedName = "statehouse-bench-cleanup" };
        await using var connection = await factory.CreateConnectionAsync(ct);
        foreach (var queue in new[] { names.CommitQueue, names.DeadLetterQueue, names.ReadQueue })
        {
            // A failed delete closes the channel: one channel per attempt.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: ct);
        }

        foreach (var exchange in new[] { names.DeadLetterExchange, names.CommitsExchange })
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            await channel.ExchangeDeleteAsync(exchange, ifUnused: false, cancellationToken: ct);
        }
    }
}
