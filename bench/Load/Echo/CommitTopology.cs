using RabbitMQ.Client;
using Statehouse.Contracts;
using Statehouse.Worker.Messaging;

namespace Statehouse.Bench.Echo;

/// <summary>
/// The rest of the worker's topology the bench needs: the echo server declares its queues with the worker's own
/// <see cref="Topology"/>; this removes a run's queues and exchanges
/// afterwards.
/// </summary>
internal static class CommitTopology
{
    /// <summary>The worker's default <c>Statehouse:Broker:DeliveryLimit</c>.</summary>
    public const int DefaultDeliveryLimit = 20;

    /// <summary>Deletes every queue and exchange of <paramref name="names"/>; what does not exist is skipped.</summary>
    public static async Task DeleteAsync(Uri uri, TopologyNames names, CancellationToken ct)
    {
        var factory = new ConnectionFactory { Uri = uri, ClientProvidedName = "statehouse-bench-cleanup" };
        await using var connection = await factory.CreateConnectionAsync(ct);
        foreach (var queue in new[] { names.CommitQueue, names.DeadLetterQueue, names.ReadQueue, names.DeploymentStream })
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
