using Statehouse.Contracts;
using Statehouse.Testing.Brokers;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Hosting;

/// <summary>
/// A worker and clients given the nodes of a cluster (Statehouse:Broker:Uri as a comma-separated list, the client's
/// Uris) connect to a node that answers, whichever order the nodes are tried in, and say which one.
/// </summary>
public sealed class BrokerNodesTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task WorkerAndClients_NodeListWithDeadNodes_ConnectToTheLiveNodeAndCommit()
    {
        Uri[] nodes = [DeadNodes.Beside(Scope.BrokerUri), Scope.BrokerUri, DeadNodes.Beside(Scope.BrokerUri)];
        var worker = await Scope.StartWorkerAsync(("Statehouse:Broker:Uri", string.Join(",", nodes)));

        Assert.Contains($"Connected to the broker at {BrokerUris.Describe(Scope.BrokerUri)} (attempt 1)", worker.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(Scope.BrokerUri.UserInfo + "@", worker.Log, StringComparison.Ordinal);

        // Each client meets a dead node first two times out of three.
        for (var i = 0; i < 4; i++)
        {
            var client = await Scope.ConnectClientAsync(o => o.Uris = nodes);
            var committed = await CommitAsync(client, tx => tx.Write("agent", "k", i));
            var read = await client.GetStateAsync<int>("agent", "k", ct: Ct);
            Assert.Equal((i, committed.CommitTs), (read.Value, read.CommitTs));
        }
    }
}
