using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Reads;

/// <summary>
/// Bounded history through a real broker and worker (Statehouse:History:Retention): reads below the history horizon
/// answer HISTORY_PRUNED with the horizon (the client's <see cref="StatehouseHistoryPrunedException"/>), reads at or
/// above it answer as before, and the latest state is intact.
/// </summary>
public sealed class HistoryRetentionTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task Reads_BelowTheHorizon_HistoryPrunedWithTheHorizonAndAboveItAnswered()
    {
        var worker = await Scope.StartWorkerAsync(
            ("Statehouse:History:Retention:Default:KeepVersions", "3"), ("Statehouse:History:PruneIntervalSeconds", "0.5"));
        var client = await Scope.ConnectClientAsync();
        var rare = await CommitAsync(client, tx => tx.Write("agent", "rare", "only"));
        var commits = new List<long>();
        for (var i = 1; i <= 10; i++)
        {
            commits.Add((await CommitAsync(client, tx => tx.Write("agent", "k", i))).CommitTs);
        }

        // KeepVersions 3: k keeps v8..v10; v7 (commits[6]) is the newest pruned, so the horizon is just above it.
        var horizon = commits[6] + 1;
        await worker.WaitForLogAsync($"history horizon, commit_ts {horizon} (", Patience, Ct);

        var atVersion = await Assert.ThrowsAsync<StatehouseHistoryPrunedException>(() => client.GetStateAtVersionAsync<int>("agent", "k", 1, ct: Ct));
        var asOf = await Assert.ThrowsAsync<StatehouseHistoryPrunedException>(() => client.GetStateAsOfAsync<int>("agent", "k", commits[2], ct: Ct));
        var replay = await Assert.ThrowsAsync<StatehouseHistoryPrunedException>(() => client.ReplayAsync("agent", ct: Ct).ToListAsync(Ct).AsTask());
        Assert.All(new[] { atVersion, asOf, replay }, e =>
        {
            Assert.Equal((ErrorCode.HistoryPruned, horizon), (e.Code, e.Horizon));
            Assert.Contains($"commit_ts {horizon}", e.Message, StringComparison.Ordinal);
        });

        Assert.Equal(8, (await client.GetStateAtVersionAsync<int>("agent", "k", 8, ct: Ct)).Value);
        Assert.Equal(9, (await client.GetStateAsOfAsync<int>("agent", "k", commits[8], ct: Ct)).Value);
        Assert.Equal("only", (await client.GetStateAsOfAsync<string>("agent", "rare", commits[5], ct: Ct)).Value);
        var kept = await client.ReplayAsync("agent", horizon, ct: Ct).ToListAsync(Ct);
        Assert.Equal(commits.Where(c => c >= horizon), kept.Select(e => e.CommitTs));
        Assert.Equal([8, 9, 10], kept.Select(e => e.Operations[0].As<int>()));
        var latest = await client.GetStateAsync<int>("agent", "k", ct: Ct);
        Assert.Equal((true, 10, 10L, commits[9]), (latest.Exists, latest.Value, latest.Version, latest.CommitTs));
        var rareLatest = await client.GetStateAsync<string>("agent", "rare", ct: Ct);
        Assert.Equal((rare.CommitTs, "only"), (rareLatest.CommitTs, rareLatest.Value));
    }
}
