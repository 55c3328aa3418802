using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Infrastructure;

/// <summary>
/// Base of every proof: the cluster (collection <see cref="ClusterCollection"/>, whole again before each test, since an
/// earlier one may have failed with a node down), a fresh <see cref="ReplicatedDeployment"/>, and the bounds of a test
/// that waits through takeovers, broker node restarts and catch-ups on a loaded two-core machine.
/// </summary>
[Collection(ClusterCollection.Name)]
public abstract class ReplicationTest : IAsyncLifetime
{
    /// <summary>Bound on one wait for a recovery: a takeover, a node restart, a replica catching up.</summary>
    protected static readonly TimeSpan Recovery = TimeSpan.FromMinutes(3);

    /// <summary>Bound on the clients' loops finishing their calls in flight: every attempt of one commit, and margin.</summary>
    protected static readonly TimeSpan CallBound = ReplicatedDeployment.CommitAttemptTimeout * ReplicatedDeployment.CommitAttempts + TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _budget = new(TimeSpan.FromMinutes(12));

    private protected ReplicationTest(ClusterFixture cluster, ITestOutputHelper output)
    {
        Cluster = cluster;
        Output = output;
        Deployment = new ReplicatedDeployment(cluster, output);
    }

    protected ClusterFixture Cluster { get; }

    protected ITestOutputHelper Output { get; }

    private protected ReplicatedDeployment Deployment { get; }

    /// <summary>Cancelled when the test overruns twelve minutes.</summary>
    protected CancellationToken Ct => _budget.Token;

    public Task InitializeAsync() => Cluster.EnsureAllRunningAsync(Ct);

    /// <summary>
    /// Waits until <paramref name="load"/> got <paramref name="more"/> more commits acknowledged (at most
    /// <see cref="Recovery"/>); when it stalls, the failure carries what the broker says about this deployment's queues
    /// and the workers' channels (e.g. a log publish that is never confirmed).
    /// </summary>
    private protected async Task WaitForMoreAsync(CommitLoad load, int more)
    {
        try
        {
            await load.WaitForMoreAsync(more, Recovery, Ct);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nThe broker:\n{await Cluster.DescribeAsync(Deployment.Prefix, CancellationToken.None)}", e);
        }
    }

    /// <summary>
    /// Stops <paramref name="load"/>, settles its failed calls through <paramref name="client"/>, lets every running
    /// worker catch up, stops them, reads their stores (or those of <paramref name="stores"/>) and checks them with
    /// <see cref="StoreAudit"/>; writes the figures and asserts that nothing is violated.
    /// </summary>
    private protected async Task<List<StoreContents>> FinishAndAuditAsync(CommitLoad load, Statehouse.Client.StatehouseClient client, IEnumerable<ReplicaWorker>? stores = null)
    {
        await load.StopAsync(CallBound);
        Output.WriteLine($"load: {load.Describe()}");
        var acknowledged = await load.SettleAsync(client, Ct);
        var contents = await Deployment.ConvergeAndStopAsync(acknowledged, Recovery, Ct, stores);
        var violations = StoreAudit.Check(acknowledged, contents);
        Output.WriteLine($"audit: {acknowledged.Count} acknowledged commits, last commit_ts {acknowledged.Values.DefaultIfEmpty().Max()}, " +
            $"{contents.Count} stores, {violations.Count} violations");
        foreach (var violation in violations.Take(20))
        {
            Output.WriteLine("VIOLATION " + violation);
        }

        Assert.Empty(violations);
        return contents;
    }

    public async Task DisposeAsync()
    {
        try
        {
            // A test that failed with a node down: its queues on that node can only be deleted once it is back.
            await Cluster.RestartKilledNodesAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            Output.WriteLine($"clean-up: could not restart the nodes this test killed: {e.Message}");
        }

        await Deployment.DisposeAsync();
        _budget.Dispose();
    }
}
