using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Reads;

public sealed class ReplayTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task ReplayAsync_SeveralTransactions_ReturnsThemInCommitOrderWithOperationsInTransactionOrder()
    {
        var client = await StartWorkerAndClientAsync();
        var first = await CommitAsync(client, tx => tx.Write("agent", "b", "b1").Write("agent", "a", "a1"));
        var second = await CommitAsync(client, tx => tx.Delete("agent", "b").Write("agent", "c", "c1"));
        var third = await CommitAsync(client, tx => tx.Write("agent", "a", "a2"));

        var events = await client.ReplayAsync("agent", ct: Ct).ToListAsync(Ct);

        Assert.Equal([first.TxnId, second.TxnId, third.TxnId], events.Select(e => e.TxnId));
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.CommitTs));
        Assert.All(events, e => Assert.Equal("agent", e.AgentId));
        Assert.Equal(["b", "a"], events[0].Operations.Select(o => o.Key));
        Assert.Equal([OperationKind.Delete, OperationKind.Write], events[1].Operations.Select(o => o.Kind));
        Assert.Equal(["a2"], events[2].Operations.Select(o => o.As<string>()));
        Assert.Equal([1L, 1L], events[0].Operations.Select(o => o.Version));
        Assert.Equal(2, events[2].Operations[0].Version);
    }

    [Fact]
    public async Task ReplayAsync_TransactionTouchingTwoAgents_ShowsOnlyTheAskedAgentsOperations()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("bob", "only-bob", 0));
        var shared = await CommitAsync(client, tx => tx.Write("alice", "a1", 1).Write("bob", "b1", 2).Write("alice", "a2", 3).Delete("bob", "only-bob"));
        await CommitAsync(client, tx => tx.Write("alice:x", "a1", 4));

        var alice = await client.ReplayAsync("alice", ct: Ct).ToListAsync(Ct);
        var bob = await client.ReplayAsync("bob", ct: Ct).ToListAsync(Ct);

        var aliceEvent = Assert.Single(alice);
        Assert.Equal(shared.TxnId, aliceEvent.TxnId);
        Assert.Equal(["a1", "a2"], aliceEvent.Operations.Select(o => o.Key));
        Assert.Equal([1, 3], aliceEvent.Operations.Select(o => o.As<int>()));
        Assert.Equal(2, bob.Count);
        Assert.Equal(shared.CommitTs, bob[1].CommitTs);
        Assert.Equal(["b1", "only-bob"], bob[1].Operations.Select(o => o.Key));
    }

    [Fact]
    public async Task ReplayAsync_StartAndEnd_AreInclusive()
    {
        var client = await StartWorkerAndClientAsync();
        for (var i = 1; i <= 6; i++)
        {
            await CommitAsync(client, tx => tx.Write("agent", "k", i));
        }

        async Task<long[]> ReplayTsAsync(long start, long end) =>
            (await client.ReplayAsync("agent", start, end, ct: Ct).ToListAsync(Ct)).Select(e => e.CommitTs).ToArray();

        var middle = await ReplayTsAsync(2, 4);
        var single = await ReplayTsAsync(4, 4);
        var openEnd = await ReplayTsAsync(5, 0);
        var openStart = await ReplayTsAsync(0, 2);
        var exact = await ReplayTsAsync(1, 6);

        Assert.Equal([2L, 3L, 4L], middle);
        Assert.Equal([4L], single);
        Assert.Equal([5L, 6L], openEnd);
        Assert.Equal([1L, 2L], openStart);
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], exact);
        Assert.Empty(await ReplayTsAsync(7, 0));
    }

    [Fact]
    public async Task ReplayAsync_ManyEventsAcrossPages_ReturnsEveryEventOnceInOrder()
    {
        var client = await StartWorkerAndClientAsync();
        const int count = 230;

        // Concurrent commits so the worker groups them; every transaction also touches a second agent that replay
        // must skip, and every fifth one touches only that agent (a gap in this agent's commit_ts sequence).
        var commits = await Task.WhenAll(Enumerable.Range(0, count).Select(i => CommitAsync(client, tx =>
        {
            if (i % 5 != 0)
            {
                tx.Write("paged", $"k{i % 17}", i);
            }

            tx.Write("elsewhere", "e", i);
        })));
        var expected = commits.Where((_, i) => i % 5 != 0).Select(c => c.CommitTs).Order().ToList();

        var pages = new List<Client.ReplayPage>();
        long start = 0;
        do
        {
            var page = await client.ReplayPageAsync("paged", start, 0, limit: 40, ct: Ct);
            pages.Add(page);
            start = page.NextStartTs;
        }
        while (start != 0 && pages.Count < 100);
        var streamed = await client.ReplayAsync("paged", pageSize: 7, ct: Ct).ToListAsync(Ct);

        Assert.Equal(expected, pages.SelectMany(p => p.Events).Select(e => e.CommitTs));
        Assert.All(pages.SkipLast(1), p => Assert.Equal(40, p.Events.Count));
        Assert.Equal(expected, streamed.Select(e => e.CommitTs));
        Assert.Equal(expected.Count, streamed.Select(e => e.TxnId).Distinct().Count());
        Assert.Equal(count, (await client.HealthAsync(Ct)).LastCommitTs);
    }
}
