using Statehouse.Integration.Tests.Infrastructure;
using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Hosting;

/// <summary>
/// The worker is stopped (SIGTERM: its graceful shutdown) and started again while clients keep committing: the calls
/// waiting meanwhile get their replies from the new worker, or time out, and never get a wrong answer.
/// </summary>
public sealed class WorkerRestartTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private const int Clients = 3;
    private static readonly TimeSpan s_commitTimeout = TimeSpan.FromSeconds(3);
    private const int CommitAttempts = 10;

    [Fact]
    public async Task Commit_WorkerRestartedWhileClientsWait_EveryReplyMatchesStoredStateOrTimesOut()
    {
        var first = await Scope.StartWorkerAsync();
        var clients = new List<Client.StatehouseClient>();
        for (var i = 0; i < Clients; i++)
        {
            clients.Add(await Scope.ConnectClientAsync(o => (o.CommitTimeout, o.MaxCommitAttempts) = (s_commitTimeout, CommitAttempts)));
        }

        var workload = new CommitWorkload("worker-restart");
        using var stop = new CancellationTokenSource();
        var run = workload.RunAsync(clients, stop.Token, LongCt);
        await workload.NextCommit.WaitAsync(Patience, LongCt);
        // Pacing, not waiting for a result: let the load run before and after each step.
        await Task.Delay(TimeSpan.FromSeconds(3), LongCt);

        var stopping = DateTimeOffset.UtcNow;
        var exitCode = await first.StopAsync();
        var stopped = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(3), LongCt);
        var second = await Scope.StartWorkerAsync();
        var ready = DateTimeOffset.UtcNow;
        await workload.NextCommit.WaitAsync(Recovery, LongCt);
        var served = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(3), LongCt);
        await stop.CancelAsync();
        await run.WaitAsync(Recovery, LongCt);

        var report = await workload.CheckAsync(clients[0], s_commitTimeout * CommitAttempts + TimeSpan.FromSeconds(10), LongCt);
        var waitedAcross = report.AnsweredAcross(stopped);
        Output.WriteLine(report.ToString());
        Output.WriteLine($"stop took {(stopped - stopping).TotalSeconds:F1} s (exit code {exitCode}); worker down {(ready - stopped).TotalSeconds:F1} s; " +
            $"first commit {(served - ready).TotalSeconds:F1} s after the new worker was ready; {waitedAcross} calls waited across the restart and got their reply");
        foreach (var violation in report.Violations.Take(20))
        {
            Output.WriteLine("VIOLATION " + violation);
        }

        Assert.Equal(0, exitCode);
        Assert.False(second.HasExited);
        Assert.Empty(report.Violations);
        Assert.True(waitedAcross > 0, "no call was waiting while the worker was down: the test did not test anything");
    }
}
