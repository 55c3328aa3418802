using Statehouse.Testing.Processes;

namespace Statehouse.Soak.Tests.Replication;

/// <summary>
/// The soak's own 3-node cluster (<c>scripts/cluster.sh</c> on AMQP 5691-5693, distribution 25691-25693, nodes
/// shs1-3, data in <c>.state/cluster-soak</c>), separate from the suite's cluster because the soak kills its nodes.
/// Started when it does not run, and then stopped again at the end; one that already runs is used and left running.
/// </summary>
public sealed class SoakClusterFixture : IAsyncLifetime
{
    /// <summary>The environment that points <c>scripts/cluster.sh</c> (and the soak, which runs it) at this cluster.</summary>
    public static IReadOnlyDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>
    {
        ["STATEHOUSE_CLUSTER_PORTS"] = "5691,5692,5693",
        ["STATEHOUSE_CLUSTER_DIST_PORTS"] = "25691,25692,25693",
        ["STATEHOUSE_CLUSTER_PREFIX"] = "shs",
        ["STATEHOUSE_CLUSTER_DIR"] = ".state/cluster-soak",
    };

    private static readonly TimeSpan s_scriptTimeout = TimeSpan.FromMinutes(5);

    private bool _started;

    /// <summary>The three nodes' URIs, comma-separated, as the soak's <c>--amqp</c> takes them.</summary>
    public string Uris { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var (status, output) = await RunAsync("status");
        if (status == 0)
        {
            Uris = string.Join(',', output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f is ["up:", _, ..]).Select(f => f[2]));
            return;
        }

        var (started, startOutput) = await RunAsync("start");
        if (started != 0)
        {
            throw new InvalidOperationException($"scripts/cluster.sh start (the soak's cluster) failed with {started}:\n{startOutput}");
        }

        _started = true;
        Uris = startOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(l => l.StartsWith("amqp://", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        if (_started)
        {
            await RunAsync("stop");
        }
    }

    private static async Task<(int ExitCode, string Stdout)> RunAsync(string command)
    {
        await using var script = ChildProcess.Start(Path.Combine(BuildOutput.RepositoryRoot(), "scripts", "cluster.sh"), [command],
            new ChildProcessOptions { Name = $"cluster.sh {command}", Environment = Environment });
        var code = await script.Exited.WaitAsync(s_scriptTimeout);
        return (code, script.Stdout);
    }
}
