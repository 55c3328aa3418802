using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Statehouse.Contracts;

namespace Statehouse.Testing.Brokers;

/// <summary>
/// Queue prefixes of their own for tests and tools that share a broker, and the removal of everything the worker
/// declares under one: the commit, read and dead-letter queues, the deployment stream, and both exchanges.
/// </summary>
public static class TestTopology
{
    /// <summary>A prefix no other test or run uses: <c>&lt;kind&gt;-&lt;8 hex digits&gt;</c>, e.g. <c>t-1f2e3d4c</c>.</summary>
    public static string UniquePrefix(string kind) => $"{kind}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Deletes every queue and exchange of <paramref name="names"/> over <paramref name="connection"/>.</summary>
    /// <returns>What could not be deleted, one text per queue or exchange; what does not exist counts as deleted.</returns>
    public static async Task<IReadOnlyList<string>> DeleteAsync(IConnection connection, TopologyNames names, CancellationToken ct = default)
    {
        var failures = new List<string>();
        foreach (var queue in new[] { names.CommitQueue, names.DeadLetterQueue, names.ReadQueue, names.DeploymentStream, names.LogStream })
        {
            await TryAsync($"queue {queue}", channel => channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, cancellationToken: ct));
        }

        foreach (var exchange in new[] { names.DeadLetterExchange, names.CommitsExchange })
        {
            await TryAsync($"exchange {exchange}", channel => channel.ExchangeDeleteAsync(exchange, ifUnused: false, cancellationToken: ct));
        }

        return failures;

        // One channel per deletion: a failed one closes its channel, not the others'.
        async Task TryAsync(string what, Func<IChannel, Task> delete)
        {
            try
            {
                await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
                await delete(channel);
            }
            catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or OperationCanceledException or TimeoutException)
            {
                failures.Add($"{what}: {e.Message}");
            }
        }
    }

    /// <summary>Like <see cref="DeleteAsync(IConnection, TopologyNames, CancellationToken)"/> over a connection of its own to <paramref name="uri"/>.</summary>
    public static async Task<IReadOnlyList<string>> DeleteAsync(Uri uri, TopologyNames names, CancellationToken ct = default)
    {
        var factory = new ConnectionFactory { Uri = uri, ClientProvidedName = "statehouse-topology-cleanup", RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
        await using var connection = await factory.CreateConnectionAsync(ct);
        return await DeleteAsync(connection, names, ct);
    }
}
