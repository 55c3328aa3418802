using System.Globalization;
using Statehouse.Testing.Brokers;

namespace Statehouse.Soak.Replication;

/// <summary>
/// The 3-node cluster of <c>scripts/cluster.sh</c> the soak runs on, through the tests' <see cref="ClusterFixture"/>:
/// which node leads a queue, which worker is the commit queue's single active consumer, and the node faults. The
/// script runs with the soak's environment, so <c>STATEHOUSE_CLUSTER_*</c> select the soak's own cluster
/// (docs/soak.md); the script kills only nodes it started itself.
/// </summary>
internal sealed class SoakCluster : IAsyncDisposable
{
    private readonly ClusterFixture _fixture;

    private SoakCluster(ClusterFixture fixture)
    {
        _fixture = fixture;
    }

    /// <summary>Connects to the cluster of <paramref name="brokers"/> (its three nodes, in node order).</summary>
    /// <exception cref="SoakSetupException">The nodes do not all run in one cluster of the script's.</exception>
    public static async Task<SoakCluster> ConnectAsync(IReadOnlyList<Uri> brokers)
    {
        // The fixture takes its nodes from this variable, as the tests set it; the soak sets it for itself.
        Environment.SetEnvironmentVariable(ClusterFixture.EnvironmentVariable, string.Join(',', brokers.Select(b => b.ToString())));
        var fixture = new ClusterFixture();
        try
        {
            await fixture.InitializeAsync();
        }
        catch (InvalidOperationException e)
        {
            await fixture.DisposeAsync();
            throw new SoakSetupException($"node-loss needs the cluster of scripts/cluster.sh with the nodes of --amqp: {e.Message}");
        }

        return new SoakCluster(fixture);
    }

    /// <summary>The node (1-3) that leads <paramref name="queue"/> (the quorum queue's leader, the stream's writer).</summary>
    /// <exception cref="TimeoutException">The broker named none within a minute.</exception>
    public Task<int> LeaderAsync(string queue, CancellationToken ct) => _fixture.WaitForLeaderAsync(queue, TimeSpan.FromMinutes(1), ct);

    /// <summary>The pid of the worker whose consumer is <paramref name="queue"/>'s single active consumer, or null when none is.</summary>
    public async Task<int?> ActiveConsumerPidAsync(string queue, CancellationToken ct)
    {
        // The worker names its connection "statehouse-worker HOST PID".
        var name = await _fixture.ActiveConsumerAsync(queue, ct);
        return name?.Split(' ') is [.., var last] && int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>
    /// What the broker says about <paramref name="queue"/> (leader, members, members online) and which connection is its
    /// single active consumer, as one line for a failure message; what cannot be asked is said instead.
    /// </summary>
    public async Task<string> DescribeAsync(string queue, CancellationToken ct)
    {
        try
        {
            var replicas = await _fixture.QueueReplicasAsync(queue, ct);
            var active = await _fixture.ActiveConsumerAsync(queue, ct);
            return $"{replicas?.ToString() ?? $"{queue}: unknown to the broker"}; active consumer: {active ?? "none"}";
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or ArgumentException)
        {
            return $"{queue}: the broker could not be asked ({e.Message})";
        }
    }

    /// <summary>SIGKILLs node <paramref name="node"/>'s Erlang VM (<c>scripts/cluster.sh kill N</c>).</summary>
    public Task KillNodeAsync(int node, CancellationToken ct) => _fixture.KillNodeAsync(node, ct);

    /// <summary>Starts node <paramref name="node"/> again and returns once it runs in the cluster (<c>scripts/cluster.sh restart N</c>).</summary>
    public Task RestartNodeAsync(int node, CancellationToken ct) => _fixture.RestartNodeAsync(node, ct);

    public async ValueTask DisposeAsync() => await _fixture.DisposeAsync();
}
