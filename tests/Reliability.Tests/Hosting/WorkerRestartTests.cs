using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Hosting;

/// <summary>
/// The worker is stopped (SIGTERM: its graceful shutdown) and started again while clients keep committing: the calls
/// waiting meanwhile get their replies from the new worker, or time out, and never get a wrong answer.
/// </summary>
public sealed class WorkerRestartTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private static readonly TimeSpan s_commitTimeout = TimeSpan.FromSeconds(3);
    private const int CommitAttempts = 10;

    [Fact]
    public async Task Commit_WorkerRestartedWhileClientsWait_EveryReplyMatchesStoredStateOrTimesOut()
    {
        var first = await Scope.StartWorkerAsync();
        var clients = await ConnectClientsAsync(3, o => (o.CommitTimeout, o.MaxCommitAttempts) = (s_commitTimeout, CommitAttempts));
        var workload = new CommitWorkload("worker-restart");
        int exitCode = -1;
        DateTimeOffset stopping = default, stopped = default, ready = default;
        WorkerProcess? second = null;

        var served = await workload.RunAroundAsync(clients, TimeSpan.FromSeconds(3), async () =>
        {
            stopping = DateTimeOffset.UtcNow;
            exitCode = await first.StopAsync();
            stopped = DateTimeOffset.UtcNow;
            // Down for a while, so that calls wait for the next worker.
            await Task.Delay(TimeSpan.FromSeconds(3), LongCt);
            second = await Scope.StartWorkerAsync();
            ready = DateTimeOffset.UtcNow;
        }, Recovery, LongCt);

        var report = await workload.CheckAsync(clients[0], s_commitTimeout * CommitAttempts + TimeSpan.FromSeconds(10), LongCt);
        var waitedAcross = report.AnsweredAcross(stopped);
        report.WriteTo(Output);
        Output.WriteLine($"stop took {(stopped - stopping).TotalSeconds:F1} s (exit code {exitCode}); worker down {(ready - stopped).TotalSeconds:F1} s; " +
            $"first commit {(served - ready).TotalSeconds:F1} s after the new worker was ready; {waitedAcross} calls waited across the restart and got their reply");

        Assert.Equal(0, exitCode);
        Assert.False(second!.HasExited);
        Assert.Empty(report.Violations);
        Assert.True(waitedAcross > 0, "no call was waiting while the worker was down: the test did not test anything");
    }
}
