using Statehouse.Replication.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Proofs;

/// <summary>
/// Proof 6, bootstrap: while clients commit, one new replica starts from an empty directory and another from a backup
/// the primary took earlier (the worker's backup read, restored with <c>statehouse restore</c>). Both catch up from the
/// log and end with the primary's exact store.
/// </summary>
public sealed class BootstrapTests(ClusterFixture cluster, ITestOutputHelper output) : ReplicationTest(cluster, output)
{
    private static readonly TimeSpan s_cliTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Join_NewReplicasFromEmptyDirectoryAndFromEarlierBackup_BothConvergeToThePrimarysStore()
    {
        var primary = await Deployment.StartAsync("w1");
        var clients = await Deployment.ConnectClientsAsync(2, Ct);
        var load = new CommitLoad("bootstrap");
        load.Start(clients, Ct);
        await WaitForMoreAsync(load, 40);

        // The only worker answers the backup read, so the checkpoint is the primary's.
        var backup = await clients[0].BackupAsync("early", Ct);
        Output.WriteLine($"backup of the primary at commit_ts {backup.CommitTs}: {backup.Path}");
        await WaitForMoreAsync(load, 40);

        var restored = Deployment.StorePath("from-backup");
        await RestoreAsync(backup.Path, restored);
        var fromBackup = await Deployment.StartAsync("from-backup", restored);
        var fromEmpty = await Deployment.StartAsync("from-empty");
        await WaitForMoreAsync(load, 40);

        var stores = await FinishAndAuditAsync(load, clients[0]);
        Assert.Equal([primary.StorePath, fromBackup.StorePath, fromEmpty.StorePath], stores.Select(s => s.Path));
        Assert.All(stores, s => Assert.True(s.LastCommitTs > backup.CommitTs, $"{s.Path} ends at commit_ts {s.LastCommitTs}, not beyond the backup's {backup.CommitTs}"));
    }

    /// <summary><c>statehouse restore BACKUP DATA</c>, run as the CLI process.</summary>
    private async Task RestoreAsync(string backup, string data)
    {
        await using var cli = ChildProcess.StartDotnet(BuildOutput.Find("src/Cli", "statehouse.dll"), ["restore", backup, data], new ChildProcessOptions { Name = "statehouse restore" });
        var code = await cli.WaitForExitAsync(s_cliTimeout, Ct);
        Output.WriteLine($"statehouse restore: exit {code}: {cli.Output.Trim()}");
        Assert.Equal(0, code);
    }
}
