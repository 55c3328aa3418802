using RabbitMQ.Client;
using Statehouse.Contracts;
using Statehouse.Worker.Replication;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// Declares every queue and exchange the worker uses. Idempotent, and with the same arguments the client
/// declares: the broker refuses a second declaration of a queue with different arguments.
/// </summary>
internal static class Topology
{
    /// <summary>
    /// The commit queue's arguments for a new deployment: the broker's own dead-lettering (past
    /// <c>x-delivery-limit</c>) is at-least-once, which quorum queues allow only with <c>x-overflow=reject-publish</c>.
    /// </summary>
    public static Dictionary<string, object?> CommitQueueArguments(TopologyNames names, int deliveryLimit)
    {
        var arguments = EarlierCommitQueueArguments(names, deliveryLimit);
        // The quorum queue keeps a dead-lettered message until the dead-letter queue confirms it, instead of
        // dropping it when the dead-letter queue is missing or refuses it.
        arguments["x-dead-letter-strategy"] = "at-least-once";
        arguments["x-overflow"] = "reject-publish";
        return arguments;
    }

    /// <summary>
    /// The commit queue's arguments before at-least-once dead-lettering (deployments declared by earlier versions);
    /// a queue's arguments cannot change, so such a queue gets the same guarantee through a policy
    /// (docs/operations.md, "Upgrading the commit queue to at-least-once dead-lettering").
    /// </summary>
    public static Dictionary<string, object?> EarlierCommitQueueArguments(TopologyNames names, int deliveryLimit) => new()
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

    /// <summary>
    /// The log stream's arguments: a stream with the retention of <paramref name="options"/> (<c>x-max-length-bytes</c>,
    /// <c>x-max-age</c>). On a cluster the broker places a replica on every node by default.
    /// </summary>
    public static Dictionary<string, object?> LogStreamArguments(ReplicationOptions options) => new()
    {
        ["x-queue-type"] = "stream",
        ["x-max-length-bytes"] = options.RetentionMaxBytes,
        ["x-max-age"] = options.RetentionMaxAge,
    };

    /// <summary>
    /// Declares <see cref="TopologyNames.LogStream"/> (durable, <see cref="LogStreamArguments"/>). A stream that exists with
    /// other retention arguments fails with 406 PRECONDITION_FAILED, which closes <paramref name="channel"/>.
    /// </summary>
    public static Task<QueueDeclareOk> DeclareLogStreamAsync(
        IChannel channel, TopologyNames names, ReplicationOptions options, CancellationToken cancellationToken) =>
        channel.QueueDeclareAsync(names.LogStream, durable: true, exclusive: false, autoDelete: false,
            arguments: LogStreamArguments(options), cancellationToken: cancellationToken);

    public static Task DeclareAsync(IChannel channel, TopologyNames names, int deliveryLimit, CancellationToken cancellationToken) =>
        DeclareAsync(channel, names, CommitQueueArguments(names, deliveryLimit), cancellationToken);

    /// <summary>
    /// The arguments of the read queue and the dead-letter queue of a replicated deployment: quorum queues, so that on a
    /// cluster they have a replica on every node and survive the loss of one. A durable classic queue lives on the node
    /// that declared it: while that node is down RabbitMQ refuses every declare of it (404, "home node … is down"), which
    /// would stop every worker's session on the surviving nodes (docs/replication.md, "Failure cases").
    /// </summary>
    public static Dictionary<string, object?> ReplicatedQueueArguments() => new() { ["x-queue-type"] = "quorum" };

    /// <summary>
    /// Declares everything with <paramref name="commitQueueArguments"/> for the commit queue, and the read and dead-letter
    /// queues with <paramref name="readQueueArguments"/> and <paramref name="deadLetterQueueArguments"/> (null: a classic
    /// queue, as without replication). A queue that exists with other arguments fails with 406 PRECONDITION_FAILED,
    /// which closes <paramref name="channel"/>.
    /// </summary>
    public static async Task DeclareAsync(
        IChannel channel, TopologyNames names, IDictionary<string, object?> commitQueueArguments, CancellationToken cancellationToken,
        IDictionary<string, object?>? readQueueArguments = null, IDictionary<string, object?>? deadLetterQueueArguments = null)
    {
        // The dead-letter exchange and its queue come first so the commit queue never points at nothing.
        await DeclareDeadLetterAsync(channel, names, cancellationToken, deadLetterQueueArguments);

        await channel.QueueDeclareAsync(names.CommitQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: commitQueueArguments, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(names.ReadQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: readQueueArguments, cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(names.CommitsExchange, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
    }

    /// <summary>The dead-letter exchange, the dead-letter queue and their binding (again, e.g. after someone deleted the queue).</summary>
    /// <param name="channel">The channel to declare on; a refused declare closes it.</param>
    /// <param name="names">The deployment's names.</param>
    /// <param name="cancellationToken">Cancels the declares.</param>
    /// <param name="queueArguments">The dead-letter queue's arguments (null: classic; <see cref="ReplicatedQueueArguments"/>).</param>
    public static async Task DeclareDeadLetterAsync(
        IChannel channel, TopologyNames names, CancellationToken cancellationToken, IDictionary<string, object?>? queueArguments = null)
    {
        await channel.ExchangeDeclareAsync(names.DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(names.DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: queueArguments, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(names.DeadLetterQueue, names.DeadLetterExchange, routingKey: string.Empty,
            cancellationToken: cancellationToken);
    }
}
