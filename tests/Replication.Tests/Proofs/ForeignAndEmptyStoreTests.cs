using Statehouse.Replication.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Proofs;

/// <summary>
/// Proof 4: workers with a foreign store (another deployment's, with commits of its own) and with an empty store join
/// a deployment under load. The foreign one refuses (exit 1, serving nothing); the empty one catches up from the log,
/// and when the primary is killed the moment it joined, it takes over only with the whole history: no acknowledged
/// commit is missing afterwards, and the old primary's store, restarted as a replica, ends identical to it.
/// </summary>
public sealed class ForeignAndEmptyStoreTests(ClusterFixture cluster, ITestOutputHelper output) : ReplicationTest(cluster, output)
{
    [Fact]
    public async Task Join_ForeignStoreRefusesAndEmptyStoreCatchesUp_PrimaryKilledRightAfterLosesNothing()
    {
        var primary = await Deployment.StartAsync("w1");
        var clients = await Deployment.ConnectClientsAsync(2, Ct);
        var load = new CommitLoad("join");
        load.Start(clients, Ct);

        // Another deployment's store, with commits of its own, made while this one's load runs.
        var foreignStore = Deployment.StorePath("foreign");
        await using (var other = new ReplicatedDeployment(Cluster, Output))
        {
            var owner = await other.StartAsync("foreign-owner", foreignStore);
            var otherClient = await other.ConnectClientAsync(Ct);
            for (var i = 0; i < 5; i++)
            {
                await using var tx = otherClient.BeginTransaction();
                await tx.Write("elsewhere", $"k{i}", i).CommitAsync(Ct);
            }

            Assert.Equal(0, await owner.Process.StopAsync());
        }

        await WaitForMoreAsync(load, 40);
        var foreign = Deployment.Launch("foreign", foreignStore);
        var refused = await Record.ExceptionAsync(foreign.Process.WaitUntilReadyAsync);
        Assert.IsType<InvalidOperationException>(refused);
        Assert.Equal(1, foreign.Process.ExitCode);
        Assert.Contains("is not the store of deployment", foreign.Process.Log, StringComparison.Ordinal);

        var empty = await Deployment.StartAsync("empty");
        await primary.Process.KillAsync();
        var killed = DateTimeOffset.UtcNow;
        var before = load.Acknowledged;
        await WaitForMoreAsync(load, 1);
        var takeover = load.FirstAcknowledgedAfter(killed)!.Value - killed;
        Assert.Same(empty, await Deployment.PrimaryAsync(Recovery, Ct));
        await WaitForMoreAsync(load, 40);

        // The old primary's machine comes back: its store (everything up to the kill) catches up as a replica.
        await Deployment.StartAsync("w1-again", primary.StorePath);
        await WaitForMoreAsync(load, 40);
        Output.WriteLine($"takeover by the worker that joined empty: first commit acknowledged {takeover.TotalSeconds:F2} s after SIGKILL " +
            $"of the primary ({before} acknowledged before it)");
        Output.WriteLine($"the new primary logged: {empty.LastTakeover()}");

        var stores = await FinishAndAuditAsync(load, clients[0]);
        Assert.Equal(2, stores.Count);
    }
}
