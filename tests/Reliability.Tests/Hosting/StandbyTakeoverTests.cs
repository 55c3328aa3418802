using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Hosting;

/// <summary>
/// Hot standby under load: a second worker on the same store waits while the first commits, and takes over when the
/// first is killed. Measures the takeover; the replayed log shows that the two never both applied transactions.
/// </summary>
public sealed class StandbyTakeoverTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private static readonly TimeSpan s_commitTimeout = TimeSpan.FromSeconds(2);
    private const int CommitAttempts = 30;

    [Fact]
    public async Task Takeover_PrimaryKilledUnderLoad_StandbyCommitsWithinSecondsAndNothingAppliedTwice()
    {
        var primary = await Scope.StartWorkerAsync();
        var standby = Scope.LaunchWorker();
        await standby.WaitForLogAsync("Standby", Patience);
        var clients = await ConnectClientsAsync(2, o => (o.CommitTimeout, o.MaxCommitAttempts) = (s_commitTimeout, CommitAttempts));
        var workload = new CommitWorkload("standby");
        DateTimeOffset killed = default, ready = default;

        var served = await workload.RunAroundAsync(clients, TimeSpan.FromSeconds(3), async () =>
        {
            Assert.False(standby.IsReady, "the standby started consuming while the primary held the store");
            await primary.KillAsync();
            killed = DateTimeOffset.UtcNow;
            await standby.WaitUntilReadyAsync();
            ready = DateTimeOffset.UtcNow;
        }, Recovery, LongCt);

        var report = await workload.CheckAsync(clients[0], s_commitTimeout * CommitAttempts + TimeSpan.FromSeconds(10), LongCt);
        report.WriteTo(Output);
        Output.WriteLine($"takeover: standby ready {(ready - killed).TotalSeconds:F2} s after SIGKILL of the primary, first commit {(served - killed).TotalSeconds:F2} s after it; " +
            $"{report.AnsweredAcross(killed)} calls waited across the takeover and got their commit");

        Assert.Contains("Standby: took over", standby.Log, StringComparison.Ordinal);
        Assert.False(standby.HasExited);
        Assert.Empty(report.Violations);
    }
}
