using Statehouse.Replication.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Proofs;

/// <summary>
/// Proof 2, broker node loss: under load, the node that leads the commit queue is SIGKILLed and later restarted, then
/// the same with the node that leads the log stream. The quorum queue and the stream keep a majority; workers and
/// clients reconnect to another node of their list and go on, the same client objects throughout. No acknowledged
/// commit is lost or applied twice, and the stores are identical.
/// </summary>
public sealed class BrokerNodeLossTests(ClusterFixture cluster, ITestOutputHelper output) : ReplicationTest(cluster, output)
{
    [Fact]
    public async Task Commit_LeaderNodesKilledUnderLoad_ClientsGoOnAndNothingAcknowledgedIsLost()
    {
        await Deployment.StartAsync("w1");
        await Deployment.StartAsync("w2");
        var clients = await Deployment.ConnectClientsAsync(2, Ct);
        var load = new CommitLoad("node-loss");
        load.Start(clients, Ct);
        await load.WaitForMoreAsync(40, Recovery, Ct);

        foreach (var queue in new[] { Deployment.Names.CommitQueue, Deployment.LogStream })
        {
            var replicas = await Cluster.QueueReplicasAsync(queue, Ct)
                ?? throw new InvalidOperationException($"The broker does not know {queue}.");
            Output.WriteLine($"before: {replicas}");
            Assert.Equal([1, 2, 3], replicas.Members.Order());

            await Cluster.KillNodeAsync(replicas.Leader, Ct);
            var killed = DateTimeOffset.UtcNow;
            await load.WaitForMoreAsync(1, Recovery, Ct);
            var served = load.FirstAcknowledgedAfter(killed)!.Value;
            var newLeader = await Cluster.WaitForLeaderAsync(queue, Recovery, Ct, replicas.Leader);
            await load.WaitForMoreAsync(30, Recovery, Ct);

            await Cluster.RestartNodeAsync(replicas.Leader, Ct);
            var restarted = DateTimeOffset.UtcNow;
            await load.WaitForMoreAsync(30, Recovery, Ct);
            Output.WriteLine($"node {replicas.Leader} (leader of {queue}) killed: first commit acknowledged {(served - killed).TotalSeconds:F2} s " +
                $"after; new leader node {newLeader}; node restarted after {(restarted - killed).TotalSeconds:F1} s; {load.Acknowledged} acknowledged so far");
        }

        await FinishAndAuditAsync(load, clients[0]);
    }
}
