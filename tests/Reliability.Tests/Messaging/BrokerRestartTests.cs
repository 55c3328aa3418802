using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Messaging;

/// <summary>
/// The broker itself is restarted (a clean stop of the node, then a start on the same data) while several clients
/// commit: the worker and the clients reconnect, nothing acknowledged is lost, nothing is applied twice, and no call
/// waits longer than its clients' timeout. Uses a broker of its own: the shared one must never be restarted.
/// </summary>
public sealed class BrokerRestartTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private static readonly TimeSpan s_commitTimeout = TimeSpan.FromSeconds(5);
    private const int CommitAttempts = 24;

    [Fact]
    public async Task Commit_BrokerRestartedDuringMultiClientLoad_AcknowledgedStoredOnceInFlightCompleteOnceNoCallHangs()
    {
        await using var node = await DedicatedBroker.StartAsync(LongCt);
        Output.WriteLine($"broker: {node.Description}");
        var worker = await Scope.StartWorkerAsync(("Statehouse:Broker:Uri", node.Uri.ToString()), ("Statehouse:Broker:ReconnectDelaySeconds", "1"));
        var clients = await ConnectClientsAsync(4, o =>
        {
            o.Uri = node.Uri;
            (o.CommitTimeout, o.MaxCommitAttempts, o.ReconnectInterval) = (s_commitTimeout, CommitAttempts, TimeSpan.FromSeconds(1));
        });
        var workload = new CommitWorkload("broker-restart");
        DateTimeOffset stopping = default, stopped = default, up = default;

        var served = await workload.RunAroundAsync(clients, TimeSpan.FromSeconds(5), async () =>
        {
            stopping = DateTimeOffset.UtcNow;
            await node.StopAsync(LongCt);
            stopped = DateTimeOffset.UtcNow;
            await node.StartAsync(LongCt);
            up = DateTimeOffset.UtcNow;
        }, Recovery, LongCt);

        var report = await workload.CheckAsync(clients[0], s_commitTimeout * CommitAttempts + TimeSpan.FromSeconds(15), LongCt);
        var health = await clients[0].HealthAsync(LongCt);
        var stats = await clients[0].StatsAsync(LongCt);
        report.WriteTo(Output);
        Output.WriteLine($"broker stop {(stopped - stopping).TotalSeconds:F1} s, start {(up - stopped).TotalSeconds:F1} s; first commit {(served - up).TotalSeconds:F1} s " +
            $"after the broker was up ({(served - stopping).TotalSeconds:F1} s after the stop began); {report.AnsweredAcross(stopping)} calls waited across the restart and got their commit; " +
            $"worker: {stats.Committed} committed, {stats.Duplicates} duplicates answered from the inbox, health {health.Status}");

        Assert.False(worker.HasExited, "the worker exited:\n" + worker.Log);
        Assert.Contains("again (session", worker.Log, StringComparison.Ordinal);
        Assert.True(health.Healthy, $"{health.Status}: {health.Detail}");
        Assert.Empty(report.Violations);
        Assert.True(report.AnsweredAcross(stopping) > 0, "no call was in flight across the restart: the test did not test anything");

        // The broker goes last: stop the worker and the clients while it still answers.
        await worker.StopAsync();
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }
}
