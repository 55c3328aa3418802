using Statehouse.Client;
using Statehouse.Reliability.Tests.Infrastructure;
using Statehouse.Testing.Brokers;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Following;

/// <summary>
/// FollowAsync across the failures it promises to survive, with commits running: followers started at commit_ts k see
/// every later commit exactly once, in order, across a SIGKILL of the worker (a standby on the same store takes over)
/// and a broker connection drop of the followers' client (closed by the broker, recovered by the client), compared with
/// the full replay afterwards. The followers poll only every ten minutes, so after the drop only commit announcements
/// (a subscription that must be made again) can keep them up to date within the test.
/// </summary>
public sealed class FollowFailoverTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private static readonly TimeSpan s_commitTimeout = TimeSpan.FromSeconds(2);
    private const int CommitAttempts = 30;

    [Fact]
    public async Task FollowAsync_WorkerKilledAndConnectionDroppedWhileCommitting_DeliversEveryCommitAfterKOnceInOrder()
    {
        var primary = await Scope.StartWorkerAsync();
        var standby = Scope.LaunchWorker();
        await standby.WaitForLogAsync("Standby", Patience);
        var writers = await ConnectClientsAsync(2, o => (o.CommitTimeout, o.MaxCommitAttempts) = (s_commitTimeout, CommitAttempts));
        var followerName = $"follower {Scope.Prefix}";
        var follower = await Scope.ConnectClientAsync(o =>
        {
            o.ClientName = followerName;
            o.ReadTimeout = TimeSpan.FromSeconds(2);
            o.ReconnectInterval = TimeSpan.FromSeconds(1);
            o.FollowPollInterval = TimeSpan.FromMinutes(10);
        });
        long k = 0;
        for (var i = 1; i <= 20; i++)
        {
            var committed = await CommitAsync(writers[0], tx => tx.Write(CommitWorkload.Agent(0), $"before-{i}", i));
            k = i == 10 ? committed.CommitTs : k;
        }

        await using var wholeNamespace = new FollowRecorder(follower, FollowFilter.ForNamespace(), k);
        await using var oneAgent = new FollowRecorder(follower, FollowFilter.ForAgent(CommitWorkload.Agent(0)), k);
        await wholeNamespace.WaitForAsync(20, Patience, LongCt);
        var workload = new CommitWorkload("follow");
        DateTimeOffset killed = default, dropped = default;
        var closed = 0;

        await workload.RunAroundAsync(writers, TimeSpan.FromSeconds(3), async () =>
        {
            await primary.KillAsync();
            killed = DateTimeOffset.UtcNow;
            await standby.WaitUntilReadyAsync();
            await workload.NextCommit.WaitAsync(Recovery, LongCt);
            closed = await CloseConnectionsAsync(new SharedLocalNode(Broker), followerName, LongCt);
            dropped = DateTimeOffset.UtcNow;
            await WaitUntilConnectedAsync(follower);
        }, Recovery, LongCt);

        var report = await workload.CheckAsync(writers[0], s_commitTimeout * CommitAttempts + TimeSpan.FromSeconds(10), LongCt);
        report.WriteTo(Output);
        Assert.Empty(report.Violations);
        var last = (await writers[0].HealthAsync(LongCt)).LastCommitTs;
        var log = await CommitLog.ReadAsync(writers[0], "default", [CommitWorkload.Agent(0), CommitWorkload.Agent(1)], LongCt);
        var expectedAgent = log.Events.Where(e => e.AgentId == CommitWorkload.Agent(0) && e.CommitTs > k).Select(e => (e.CommitTs, e.TxnId)).ToList();
        await wholeNamespace.WaitForAsync(last, Recovery, LongCt);
        await oneAgent.WaitForAsync(expectedAgent[^1].CommitTs, Recovery, LongCt);

        var all = wholeNamespace.Events();
        var agent = oneAgent.Events();
        Output.WriteLine($"k = {k}, last commit_ts {last}; SIGKILL at {killed:HH:mm:ss.fff}, {closed} connection(s) closed at {dropped:HH:mm:ss.fff}; " +
            $"namespace follower got {all.Count} events, agent follower {agent.Count}");
        Assert.Equal(1, closed);
        Assert.Contains("Standby: took over", standby.Log, StringComparison.Ordinal);
        var txnAt = log.Events.GroupBy(e => e.CommitTs).ToDictionary(g => g.Key, g => g.First().TxnId);
        Assert.Equal(Enumerable.Range((int)k + 1, (int)(last - k)).Select(ts => (long)ts), all.Select(e => e.CommitTs));
        Assert.Equal(all.Select(e => txnAt[e.CommitTs]), all.Select(e => e.TxnId));
        Assert.Equal(expectedAgent, agent.Select(e => (e.CommitTs, e.TxnId)));
        Assert.All(all, e => Assert.All(e.Operations, o => Assert.StartsWith("client-", o.AgentId, StringComparison.Ordinal)));
    }

    /// <summary>Has the broker close every connection named <paramref name="name"/> (as a network failure would end it); returns how many.</summary>
    private static async Task<int> CloseConnectionsAsync(IBrokerAdmin admin, string name, CancellationToken ct)
    {
        // JSON names the client's connection but prints pids in a form close_connection does not take; the table does.
        var rows = RabbitCtlJson.ParseRows(await admin.CtlAsync(["list_connections", "name", "client_properties", "--formatter", "json"], ct));
        var peers = rows.Where(r => RabbitCtlJson.ConnectionName(r.GetProperty("client_properties")) == name).Select(r => r.GetProperty("name").GetString()).ToHashSet();
        var pids = (await admin.CtlAsync(["list_connections", "name", "pid", "--quiet", "--no-table-headers"], ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(columns => columns.Length == 2 && peers.Contains(columns[0]))
            .Select(columns => columns[1].Trim())
            .ToList();
        foreach (var pid in pids)
        {
            await admin.CtlAsync(["close_connection", pid, "statehouse test: connection drop"], ct);
        }

        return pids.Count;
    }

    private async Task WaitUntilConnectedAsync(StatehouseClient client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(LongCt);
        timeout.CancelAfter(Recovery);
        // The drop is seen a moment after the broker closed the connection; then recovery reconnects.
        while (client.IsConnected)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), timeout.Token);
        }

        while (!client.IsConnected)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
        }
    }
}
