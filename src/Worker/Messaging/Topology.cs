using RabbitMQ.Client;
using Statehouse.Contracts;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// Declares every queue and exchange the worker uses. Idempotent, and with the same arguments the client
/// declares: the broker refuses a second declaration of a queue with different arguments.
/// </summary>
internal static class Topology
{
    public static Dictionary<string, object?> CommitQueueArguments(TopologyNames names, int deliveryLimit) => new()
    {
        ["x-queue-type"] = "quorum",
        // A second worker waits as a standby instead of splitting the stream: there must be one writer.
        ["x-single-active-consumer"] = true,
        ["x-delivery-limit"] = deliveryLimit,
        ["x-dead-letter-exchange"] = names.DeadLetterExchange,
    };

    /// <summary>The deployment stream: a stream, so every worker can read it from its first message, which is never consumed away.</summary>
    public static Dictionary<string, object?> DeploymentStreamArguments() => new()
    {
        ["x-queue-type"] = "stream",
    };

    /// <summary>
    /// Declares <see cref="TopologyNames.DeploymentStream"/> (durable); the reply carries the stream's message count.
    /// Needs RabbitMQ 3.9 or later with streams enabled.
    /// </summary>
    public static Task<QueueDeclareOk> DeclareDeploymentStreamAsync(IChannel channel, TopologyNames names, CancellationToken cancellationToken) =>
        channel.QueueDeclareAsync(names.DeploymentStream, durable: true, exclusive: false, autoDelete: false,
            arguments: DeploymentStreamArguments(), cancellationToken: cancellationToken);

    public static async Task DeclareAsync(IChannel channel, TopologyNames names, int deliveryLimit, CancellationToken cancellationToken)
    {
        // The dead-letter exchange and its queue come first so the commit queue never points at nothing.
        await channel.ExchangeDeclareAsync(names.DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(names.DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            cancellationToken: cancellationToken);
        await channel.QueueBindAsync(names.DeadLetterQueue, names.DeadLetterExchange, routingKey: string.Empty,
            cancellationToken: cancellationToken);

        await channel.QueueDeclareAsync(names.CommitQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: CommitQueueArguments(names, deliveryLimit), cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(names.ReadQueue, durable: true, exclusive: false, autoDelete: false,
            cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(names.CommitsExchange, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
    }
}
