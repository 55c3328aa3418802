using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Storage;

/// <summary>
/// Bounded history across SIGKILLs of the worker in the middle of its pruning passes (docs/storage.md, "History
/// horizons"): a store of 30,000 versions is pruned by a worker started with KeepVersions = 2 and killed while its first
/// pass deletes, several times, then read with retention off (the deletes a crash left undone stay undone) and with it
/// on again. Every read either answers what a model of the acknowledged commits says or HISTORY_PRUNED below the horizon.
/// </summary>
public sealed class HistoryPruningKillTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private const int Transactions = 300;
    private const int Keys = 100;

    private static readonly (string Key, string Value)[] s_pruning =
    [
        ("Statehouse:History:Retention:Default:KeepVersions", "2"),
        ("Statehouse:History:PruneIntervalSeconds", "0.1"),
    ];

    [Fact]
    public async Task Restart_AfterKillsMidPruningPass_EveryReadExactOrPrunedBelowTheHorizon()
    {
        await Scope.StartWorkerAsync();
        var client = await Scope.ConnectClientAsync();
        var model = new List<(long CommitTs, int Key, int Value, bool Deleted)>();
        var random = new Random(13);
        var killedMidPass = 0;
        var next = 0;
        // Three rounds, and more (up to eight, with ever shorter delays before the kill) until one kill came before a pass
        // ended: on an idle machine a pass can end within the first delays.
        for (var round = 0; round < 8 && (round < 3 || killedMidPass == 0); round++)
        {
            // Retention off while committing (a third of the transactions in each of the first rounds, a tenth after), then a
            // pruning worker killed soon after its start.
            var end = next + (round < 3 ? Transactions / 3 : Transactions / 10);
            for (var i = next; i < end; i++)
            {
                var tx = client.BeginTransaction();
                for (var k = 0; k < Keys; k++)
                {
                    _ = (i + k) % 7 == 0 ? tx.Delete("agent", $"k{k}") : tx.Write("agent", $"k{k}", i);
                }

                var committed = await tx.CommitAsync(LongCt);
                model.AddRange(Enumerable.Range(0, Keys).Select(k => (committed.CommitTs, k, i, (i + k) % 7 == 0)));
            }

            await Scope.Worker.KillAsync(LongCt);
            // The first pass starts once the store is open, before the worker is ready: kill it within its first 400 ms.
            var worker = Scope.LaunchWorker(s_pruning);
            var opened = DateTime.UtcNow + Recovery;
            while (!worker.Lines.Any(l => l.Contains("Opened the store", StringComparison.Ordinal)) && !worker.HasExited && DateTime.UtcNow < opened)
            {
                await Task.Delay(2, LongCt);
            }

            next = end;
            await Task.Delay(random.Next(0, Math.Max(1, 400 >> round)), LongCt);
            await worker.KillAsync(LongCt);
            var finished = worker.Lines.Any(l => l.Contains("Pruned history", StringComparison.Ordinal));
            killedMidPass += finished ? 0 : 1;
            Output.WriteLine($"round {round}: killed {(finished ? "after" : "before the end of")} the first pass");
            await Scope.StartWorkerAsync();
        }

        Assert.True(killedMidPass > 0, "no kill came before a pass ended: the test tested nothing");
        var afterKills = await CheckAsync(client, model);
        Output.WriteLine($"after the kills, retention off: horizon {afterKills}");

        await Scope.KillAndRestartWorkerAsync(s_pruning);
        long horizon;
        var stable = DateTime.UtcNow + Recovery;
        do
        {
            await Task.Delay(500, LongCt);
            horizon = await HorizonAsync(client);
        }
        while (horizon < model[^1].CommitTs - 1 && DateTime.UtcNow < stable);

        var final = await CheckAsync(client, model);
        Output.WriteLine($"retention on again: horizon {final}");
        Assert.True(final >= afterKills, $"the horizon fell from {afterKills} to {final}");
        Assert.Equal(model[^1].CommitTs - 1, final);
    }

    private static async Task<long> HorizonAsync(StatehouseClient client)
    {
        try
        {
            await foreach (var _ in client.ReplayAsync("agent", 0))
            {
                return 0;
            }

            return 0;
        }
        catch (StatehouseHistoryPrunedException e)
        {
            return e.Horizon;
        }
    }

    /// <summary>Checks as-of, version and replay reads of ten keys against the model; returns the horizon.</summary>
    private async Task<long> CheckAsync(StatehouseClient client, List<(long CommitTs, int Key, int Value, bool Deleted)> model)
    {
        var horizon = await HorizonAsync(client);
        var last = model[^1].CommitTs;
        foreach (var k in new[] { 0, 1, 6, 13, 42, 50, 77, 90, 98, 99 })
        {
            var versions = model.Where(m => m.Key == k).ToList();
            for (var t = 1L; t <= last; t++)
            {
                var expected = versions.LastOrDefault(v => v.CommitTs <= t);
                try
                {
                    var read = await client.GetStateAsOfAsync<int>("agent", $"k{k}", t, ct: LongCt);
                    Assert.True((read.Exists, read.Exists ? read.Value : 0) == (!expected.Deleted, expected.Deleted ? 0 : expected.Value),
                        $"k{k} as of {t}: exists {read.Exists} value {read.Value} v{read.Version}; model deleted {expected.Deleted} value {expected.Value} (horizon {horizon})");
                }
                catch (StatehouseHistoryPrunedException e)
                {
                    Assert.True(t < horizon && e.Horizon == horizon, $"k{k} as of {t}: HISTORY_PRUNED with horizon {e.Horizon} (replay's {horizon})");
                }
            }
        }

        await using var replay = client.ReplayAsync("agent", horizon, pageSize: 50, ct: LongCt).GetAsyncEnumerator();
        var expectedEvents = model.Where(m => m.CommitTs >= horizon).GroupBy(m => m.CommitTs).ToList();
        foreach (var group in expectedEvents)
        {
            Assert.True(await replay.MoveNextAsync(), $"replay from {horizon} ended before commit_ts {group.Key}");
            Assert.Equal(group.Key, replay.Current.CommitTs);
            Assert.Equal(Keys, replay.Current.Operations.Count);
            foreach (var (operation, m) in replay.Current.Operations.OrderBy(o => int.Parse(o.Key[1..], System.Globalization.CultureInfo.InvariantCulture)).Zip(group))
            {
                Assert.Equal(m.Deleted ? OperationKind.Delete : OperationKind.Write, operation.Kind);
                Assert.True(m.Deleted || operation.Value is not null, $"commit_ts {group.Key}, k{m.Key}: a write without its value");
            }
        }

        Assert.False(await replay.MoveNextAsync());
        return horizon;
    }
}
