using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Replication.Tests.Infrastructure;

namespace Statehouse.Replication.Tests.Brokers;

/// <summary>
/// What the proofs ask the cluster fixture, checked on queues of known shape: a quorum queue and a stream declared
/// through one node have a replica on every node and a leader among them, and the single active consumer of a
/// quorum queue is found by its connection's name, and a description of a prefix's queues names them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFixtureTests(ClusterFixture cluster) : IAsyncLifetime
{
    private readonly string _prefix = TestTopology.UniquePrefix("r");
    private IConnection? _connection;

    public async Task InitializeAsync()
    {
        await cluster.EnsureAllRunningAsync(CancellationToken.None);
        _connection = await cluster.ConnectAsync($"cluster-fixture-test {_prefix}", CancellationToken.None);
    }

    [Fact]
    public async Task QueueReplicas_QuorumQueueAndStream_EveryNodeAMemberAndOneLeads()
    {
        await using var channel = await _connection!.CreateChannelAsync();
        await channel.QueueDeclareAsync(_prefix + ".q", durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await channel.QueueDeclareAsync(_prefix + ".s", durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "stream" });

        foreach (var (queue, type) in new[] { (_prefix + ".q", "quorum"), (_prefix + ".s", "stream") })
        {
            var replicas = await cluster.QueueReplicasAsync(queue, CancellationToken.None);

            Assert.NotNull(replicas);
            Assert.Equal(type, replicas.Type);
            Assert.Equal([1, 2, 3], replicas.Members.Order());
            Assert.Contains(replicas.Leader, replicas.Members);
            Assert.Equal(replicas.Leader, await cluster.WaitForLeaderAsync(queue, TimeSpan.FromSeconds(30), CancellationToken.None));
        }

        Assert.Null(await cluster.QueueReplicasAsync(_prefix + ".none", CancellationToken.None));
    }

    [Fact]
    public async Task ActiveConsumer_TwoSingleActiveConsumers_NamesTheFirstOnesConnection()
    {
        var queue = _prefix + ".sac";
        await using (var declare = await _connection!.CreateChannelAsync())
        {
            await declare.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum", ["x-single-active-consumer"] = true });
        }

        Assert.Null(await cluster.ActiveConsumerAsync(queue, CancellationToken.None));
        await using var first = await cluster.ConnectAsync($"sac-first {_prefix}", CancellationToken.None);
        await using var second = await cluster.ConnectAsync($"sac-second {_prefix}", CancellationToken.None);
        foreach (var connection in new[] { first, second })
        {
            var channel = await connection.CreateChannelAsync();
            await channel.BasicQosAsync(0, 1, false);
            await channel.BasicConsumeAsync(queue, autoAck: false, new AsyncEventingBasicConsumer(channel));
        }

        Assert.Equal($"sac-first {_prefix}", await cluster.ActiveConsumerAsync(queue, CancellationToken.None));
        Assert.Contains($"queue {queue} (quorum): leader shc", await cluster.DescribeAsync(_prefix, CancellationToken.None), StringComparison.Ordinal);
        await first.CloseAsync();
        Assert.Equal($"sac-second {_prefix}", await cluster.ActiveConsumerAsync(queue, CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        if (_connection is null)
        {
            return;
        }

        await using (var channel = await _connection.CreateChannelAsync())
        {
            foreach (var suffix in new[] { ".q", ".s", ".sac" })
            {
                await channel.QueueDeleteAsync(_prefix + suffix, ifUnused: false, ifEmpty: false);
            }
        }

        await _connection.CloseAsync();
        _connection.Dispose();
    }
}
