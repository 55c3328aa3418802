using Statehouse.Soak.Tests.Crash;
using Xunit.Abstractions;

namespace Statehouse.Soak.Tests.Replication;

/// <summary>
/// The replicated soak, small: a primary and a replica with their own stores on the soak's 3-node cluster, one fault of
/// each kind (machine loss, broker node loss, a paused primary) while 4 client processes commit 1,200 transactions;
/// then every invariant must hold, both stores must be equal, and each fault must have been survived (docs/soak.md).
/// </summary>
public sealed class ReplicatedSoakTests(SoakClusterFixture cluster, ITestOutputHelper output) : IClassFixture<SoakClusterFixture>
{
    /// <summary>Above the tool's own bound (--max-seconds), which fails the run first with its own message.</summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(11);

    [Fact]
    public async Task Soak_OneFaultOfEachKind_KeepsEveryInvariantAndEqualStores()
    {
        string[] arguments =
        [
            "--amqp", cluster.Uris, "--replicas", "1", "--faults", "machine-loss,node-loss,zombie", "--faults-each", "1",
            "--transactions", "1200", "--rate", "8", "--max-seconds", "600",
        ];

        var run = await SoakProcess.RunAsync(arguments, s_timeout, SoakClusterFixture.Environment);

        output.WriteLine(run.Output);
        if (run.Errors.Length > 0)
        {
            output.WriteLine(run.Errors);
        }

        Assert.True(run.ExitCode == 0, $"the soak exited with code {run.ExitCode}:\n{run.Output}\n{run.Errors}");
        var summary = run.Summary();
        foreach (var counter in new[] { "lost", "partial", "duplicate", "gaps", "replay_mismatch", "phantom", "store_mismatch", "faults_skipped" })
        {
            Assert.Equal("0", summary[counter]);
        }

        Assert.Equal(("1", "1", "1"), (summary["machine_loss"], summary["node_loss"], summary["zombie"]));
        Assert.Equal("2", summary["stores"]);
        Assert.Equal("1200", summary["transactions"]);
    }
}
