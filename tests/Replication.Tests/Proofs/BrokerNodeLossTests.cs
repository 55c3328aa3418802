using Statehouse.Replication.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Proofs;

/// <summary>
/// Proof 2, broker node loss: under load, each of the three nodes is SIGKILLed in turn and restarted — first the node
/// that leads the commit queue, then the one that leads the log stream (or, when that one was killed already, a node
/// not killed yet), then the last — so that whatever the deployment keeps on a single node is lost once. The quorum
/// queue and the stream keep a majority; workers and clients reconnect to another node of their list and go on, the
/// same client objects throughout. No acknowledged commit is lost or applied twice, and the stores are identical.
/// </summary>
public sealed class BrokerNodeLossTests(ClusterFixture cluster, ITestOutputHelper output) : ReplicationTest(cluster, output)
{
    [Fact]
    public async Task Commit_EachNodeKilledInTurnUnderLoad_ClientsGoOnAndNothingAcknowledgedIsLost()
    {
        await Deployment.StartAsync("w1");
        await Deployment.StartAsync("w2");
        var clients = await Deployment.ConnectClientsAsync(2, Ct);
        var load = new CommitLoad("node-loss");
        load.Start(clients, Ct);
        await WaitForMoreAsync(load, 40);

        var killed = new List<int>();
        foreach (var queue in new[] { Deployment.Names.CommitQueue, Deployment.Names.LogStream, null })
        {
            var node = queue is null ? Enumerable.Range(1, 3).Except(killed).Single() : await LeaderOrUnkilledAsync(queue, killed);
            await Cluster.KillNodeAsync(node, Ct);
            killed.Add(node);
            var at = DateTimeOffset.UtcNow;
            await WaitForMoreAsync(load, 1);
            var served = load.FirstAcknowledgedAfter(at)!.Value;
            await WaitForMoreAsync(load, 30);

            await Cluster.RestartNodeAsync(node, Ct);
            var restarted = DateTimeOffset.UtcNow;
            await WaitForMoreAsync(load, 30);
            Output.WriteLine($"node {node} killed{(queue is null ? "" : $" (leading {queue})")}: first commit acknowledged {(served - at).TotalSeconds:F2} s " +
                $"after; node restarted after {(restarted - at).TotalSeconds:F1} s; {load.Acknowledged} acknowledged so far");
        }

        await FinishAndAuditAsync(load, clients[0]);
    }

    /// <summary>The node leading <paramref name="queue"/> (a member on every node), or a node not in <paramref name="killed"/> when it is in it.</summary>
    private async Task<int> LeaderOrUnkilledAsync(string queue, List<int> killed)
    {
        var replicas = await Cluster.QueueReplicasAsync(queue, Ct) ?? throw new InvalidOperationException($"The broker does not know {queue}.");
        Output.WriteLine($"before: {replicas}");
        Assert.Equal([1, 2, 3], replicas.Members.Order());
        return killed.Contains(replicas.Leader) ? Enumerable.Range(1, 3).Except(killed).First() : replicas.Leader;
    }
}
