using Statehouse.Replication.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Proofs;

/// <summary>
/// Proof 1, machine loss: the primary is SIGKILLed and its store directory deleted while two clients commit. The
/// replica takes over; a new worker on the lost store's (now empty) directory catches up from the log. Every
/// acknowledged commit is then in every store at its commit_ts, once, gapless, and the stores are identical.
/// </summary>
public sealed class MachineLossTests(ClusterFixture cluster, ITestOutputHelper output) : ReplicationTest(cluster, output)
{
    [Fact]
    public async Task Commit_PrimaryKilledAndStoreDeletedUnderLoad_ReplicaTakesOverAndRebuiltStoreConverges()
    {
        var first = await Deployment.StartAsync("w1");
        var replica = await Deployment.StartAsync("w2");
        var clients = await Deployment.ConnectClientsAsync(2, Ct);
        var primary = await Deployment.PrimaryAsync(Recovery, Ct);
        Assert.Same(first, primary);

        var load = new CommitLoad("machine-loss");
        load.Start(clients, Ct);
        await WaitForMoreAsync(load, 40);
        await primary.Process.KillAsync();
        var killed = DateTimeOffset.UtcNow;
        Directory.Delete(primary.StorePath, recursive: true);
        var before = load.Acknowledged;

        await WaitForMoreAsync(load, 1);
        var takeover = load.FirstAcknowledgedAfter(killed)!.Value - killed;
        Assert.Same(replica, await Deployment.PrimaryAsync(Recovery, Ct));
        await WaitForMoreAsync(load, 40);

        // The lost machine comes back with an empty disk: a new replica on the same path.
        var rebuilt = await Deployment.StartAsync("w1-rebuilt", primary.StorePath);
        await WaitForMoreAsync(load, 40);

        Output.WriteLine($"takeover: first commit acknowledged {takeover.TotalSeconds:F2} s after SIGKILL of the primary " +
            $"({before} acknowledged before it)");
        Output.WriteLine($"the new primary logged: {replica.LastTakeover()}");
        var stores = await FinishAndAuditAsync(load, clients[0]);
        Assert.Equal(2, stores.Count);
        Assert.Contains(stores, s => s.Path == rebuilt.StorePath);
    }
}
