using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Testing.Brokers;

namespace Statehouse.Soak.Broker;

/// <summary>
/// The soak's own AMQP connection: proves the broker is there before anything starts, reads the commit queue's depth
/// to know when the worker has caught up, and deletes the soak's queues and exchanges at the end. On a cluster it
/// connects to the first node of the list that answers and recovers to another when its node is killed.
/// </summary>
internal sealed class BrokerAdmin : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly TopologyNames _names;

    private BrokerAdmin(IConnection connection, TopologyNames names)
    {
        _connection = connection;
        _names = names;
    }

    /// <exception cref="SoakSetupException">The broker cannot be reached.</exception>
    public static async Task<BrokerAdmin> ConnectAsync(IReadOnlyList<Uri> brokers, string endpoint, TopologyNames names, CancellationToken ct)
    {
        var factory = new ConnectionFactory
        {
            Uri = brokers[0],
            ClientProvidedName = "statehouse-soak",
            AutomaticRecoveryEnabled = brokers.Count > 1,
            TopologyRecoveryEnabled = false,
        };
        try
        {
            return new BrokerAdmin(await factory.CreateConnectionAsync(brokers.Select(b => new AmqpTcpEndpoint(b.Host, b.Port)).ToList(), ct), names);
        }
        catch (BrokerUnreachableException e)
        {
            var cause = e.GetBaseException();
            throw new SoakSetupException($"cannot reach the broker at {endpoint}: {cause.Message} (start one with scripts/broker.sh start)");
        }
    }

    /// <summary>Messages ready in the commit queue (not counting those delivered and not yet acked).</summary>
    public Task<uint> CommitQueueDepthAsync(CancellationToken ct) => DepthAsync(_names.CommitQueue, ct);

    /// <summary>Messages the worker dead-lettered over the whole run (nobody consumes the dead-letter queue).</summary>
    public Task<uint> DeadLetterCountAsync(CancellationToken ct) => DepthAsync(_names.DeadLetterQueue, ct);

    /// <summary>Deletes every queue and exchange of the soak's prefix; best effort, failures are returned as text.</summary>
    public Task<IReadOnlyList<string>> DeleteTopologyAsync(CancellationToken ct) => TestTopology.DeleteAsync(_connection, _names, ct);

    private async Task<uint> DepthAsync(string queue, CancellationToken ct)
    {
        await using var channel = await _connection.CreateChannelAsync(cancellationToken: ct);
        var declared = await channel.QueueDeclarePassiveAsync(queue, ct);
        return declared.MessageCount;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _connection.CloseAsync();
        }
        catch (AlreadyClosedException)
        {
            // Gone with the broker; nothing to close.
        }

        _connection.Dispose();
    }
}
