using System.Collections.Concurrent;
using System.Diagnostics;
using Statehouse.Client;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Commit;

/// <summary>
/// Many clients committing at once: the single writer must hand out commit_ts 1..N without gaps or repeats, and every
/// reply must describe exactly what was stored.
/// </summary>
public sealed class ConcurrentCommitTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    private const string HotAgent = "hot";
    private const string HotKey = "counter";

    [Fact]
    public async Task CommitAsync_EightClientsHundredTransactionsEach_CommitTsGaplessAndRepliesMatchState()
    {
        await Scope.StartWorkerAsync();

        await RunAndVerifyAsync(clients: 8, transactionsPerClient: 100, lanesPerClient: 4);
    }

    [Theory]
    [InlineData("Statehouse:Commit:MaxBatchCount", "1")]
    [InlineData("Statehouse:Commit:MaxBatchBytes", "1")]
    public async Task CommitAsync_OneTransactionPerBatch_CommitsCorrectly(string setting, string value)
    {
        await Scope.StartWorkerAsync((setting, value));

        await RunAndVerifyAsync(clients: 4, transactionsPerClient: 25, lanesPerClient: 2);
    }

    private async Task RunAndVerifyAsync(int clients, int transactionsPerClient, int lanesPerClient)
    {
        var connected = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Scope.ConnectClientAsync()));
        var replies = new ConcurrentBag<(string Agent, string Key, int Value, CommitResult Result)>();
        var stopwatch = Stopwatch.StartNew();

        // Each transaction writes its own record and the one hot record every transaction writes.
        await Task.WhenAll(connected.SelectMany((client, c) => Enumerable.Range(0, lanesPerClient).Select(lane => Task.Run(async () =>
        {
            for (var i = lane; i < transactionsPerClient; i += lanesPerClient)
            {
                var (agent, key, value) = ($"client-{c}", $"tx-{i:D4}", (c * 100_000) + i);
                await using var tx = client.BeginTransaction();
                tx.Write(agent, key, value).Write(HotAgent, HotKey, value);
                replies.Add((agent, key, value, await tx.CommitAsync(Ct)));
            }
        }))));
        stopwatch.Stop();
        var total = clients * transactionsPerClient;
        Output.WriteLine($"{total} transactions from {clients} clients x {lanesPerClient} lanes in {stopwatch.Elapsed.TotalSeconds:F2} s ({total / stopwatch.Elapsed.TotalSeconds:F0} tx/s)");

        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), replies.Select(r => r.Result.CommitTs).Order());
        Assert.Equal(total, replies.Select(r => r.Result.TxnId).Distinct().Count());
        Assert.All(replies, r => Assert.Equal(1, r.Result.VersionOf(r.Agent, r.Key)));

        // Every transaction's own record holds what its reply says.
        var reader = connected[0];
        var mismatches = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(replies, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (r, ct) =>
        {
            var state = await reader.GetStateAsync<int>(r.Agent, r.Key, ct: ct);
            if (!state.Exists || state.Value != r.Value || state.Version != 1 || state.CommitTs != r.Result.CommitTs)
            {
                mismatches.Add($"{r.Agent}/{r.Key}: reply commit_ts {r.Result.CommitTs}, stored {state.Exists} {state.Value} v{state.Version} ts {state.CommitTs}");
            }
        });
        Assert.True(mismatches.IsEmpty, string.Join('\n', mismatches.Take(20)));

        // The hot record's history, replayed in commit order, is exactly the replies in commit_ts order.
        var byCommitTs = replies.OrderBy(r => r.Result.CommitTs).ToList();
        var hotHistory = await reader.ReplayAsync(HotAgent, pageSize: 500, ct: Ct).ToListAsync(Ct);
        Assert.Equal(byCommitTs.Select(r => r.Result.TxnId), hotHistory.Select(e => e.TxnId));
        Assert.Equal(byCommitTs.Select(r => r.Result.CommitTs), hotHistory.Select(e => e.CommitTs));
        Assert.Equal(byCommitTs.Select(r => r.Result.VersionOf(HotAgent, HotKey)), hotHistory.Select(e => e.Operations.Single().Version));
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), hotHistory.Select(e => e.Operations.Single().Version));
        Assert.Equal(byCommitTs.Select(r => r.Value), hotHistory.Select(e => e.Operations.Single().As<int>()));

        var hot = await reader.GetStateAsync<int>(HotAgent, HotKey, ct: Ct);
        Assert.Equal((byCommitTs[^1].Value, (long)total, (long)total), (hot.Value, hot.Version, hot.CommitTs));
        var health = await reader.HealthAsync(Ct);
        Assert.Equal(total, health.LastCommitTs);
        Assert.True(health.Healthy, health.Status);
    }
}
