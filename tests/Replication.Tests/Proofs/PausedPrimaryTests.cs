using Statehouse.Replication.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Proofs;

/// <summary>
/// Proof 3, the zombie: the primary is SIGSTOPped under load until the broker drops it (its heartbeat, 10 s requested,
/// goes silent), the replica takes over and commits, then the old primary gets SIGCONT. It must not reply, ack,
/// publish or store anything under its old epoch: either it comes back as a replica, whose store then equals the new
/// primary's, or it stops with exit code 1 and the re-seed message. Every acknowledged reply is checked against the
/// stores, so a reply it sent under the old epoch for a commit the log does not hold fails the audit.
/// </summary>
public sealed class PausedPrimaryTests(ClusterFixture cluster, ITestOutputHelper output) : ReplicationTest(cluster, output)
{
    [Fact]
    public async Task Commit_PrimaryPausedPastHeartbeatThenResumed_NothingUnderTheOldEpochAndItRejoinsOrRefuses()
    {
        var old = await Deployment.StartAsync("w1");
        var replica = await Deployment.StartAsync("w2");
        var clients = await Deployment.ConnectClientsAsync(2, Ct);
        Assert.Same(old, await Deployment.PrimaryAsync(Recovery, Ct));

        var load = new CommitLoad("zombie");
        load.Start(clients, Ct);
        await WaitForMoreAsync(load, 40);
        await old.Process.PauseAsync();
        var paused = DateTimeOffset.UtcNow;
        var before = load.Acknowledged;

        // The replica's first commits: the broker closed the paused one's connection and made the replica active.
        await WaitForMoreAsync(load, 1);
        var takeover = load.FirstAcknowledgedAfter(paused)!.Value - paused;
        Assert.Same(replica, await Deployment.PrimaryAsync(Recovery, Ct));
        await WaitForMoreAsync(load, 40);

        await old.Process.ResumeAsync();
        var resumed = DateTimeOffset.UtcNow;
        await WaitForMoreAsync(load, 40);
        Output.WriteLine($"takeover: first commit acknowledged {takeover.TotalSeconds:F2} s after SIGSTOP of the primary ({before} before it); " +
            $"resumed after {(resumed - paused).TotalSeconds:F1} s; the old primary {(old.HasExited ? $"exited with code {old.Process.ExitCode}" : "runs")}");
        Output.WriteLine($"the new primary logged: {replica.LastTakeover()}");

        if (old.HasExited)
        {
            // A store that holds a group the log voided is refused, never served.
            Assert.Equal(1, old.Process.ExitCode);
            Assert.Contains("statehouse reseed", old.Process.Log, StringComparison.Ordinal);
            await FinishAndAuditAsync(load, clients[0]);
        }
        else
        {
            Assert.Same(replica, await Deployment.PrimaryAsync(Recovery, Ct));
            var stores = await FinishAndAuditAsync(load, clients[0]);
            Assert.Contains(stores, s => s.Path == old.StorePath);
        }
    }
}
