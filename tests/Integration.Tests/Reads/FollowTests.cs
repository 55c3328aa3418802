using Statehouse.Client;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Reads;

/// <summary>FollowAsync and the namespace-wide replay through a real broker and worker (failures: Reliability.Tests).</summary>
public sealed class FollowTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task FollowAsync_NamespaceFromK_DeliversEveryLaterCommitOfItWholeAndNoneOfAnotherNamespace()
    {
        await Scope.StartWorkerAsync();
        // A day: only announcements can wake the follower within the test.
        var client = await Scope.ConnectClientAsync(o => o.FollowPollInterval = TimeSpan.FromDays(1));
        var k = (await CommitAsync(client, tx => tx.Write("alice", "before", 0))).CommitTs;
        await using var follow = client.FollowAsync(FollowFilter.ForNamespace(), k, Ct).GetAsyncEnumerator(Ct);
        var first = follow.MoveNextAsync();

        var shared = await CommitAsync(client, tx => tx.Write("alice", "a", "x").Write("bob", "b", "y"));
        await using (var other = client.BeginTransaction("other"))
        {
            other.Write("alice", "a", "elsewhere");
            await other.CommitAsync(Ct);
        }

        var deleted = await CommitAsync(client, tx => tx.Delete("bob", "b"));

        Assert.True(await first.AsTask().WaitAsync(Patience, Ct));
        var events = new List<ReplayEvent> { follow.Current };
        Assert.True(await follow.MoveNextAsync().AsTask().WaitAsync(Patience, Ct));
        events.Add(follow.Current);
        Assert.Equal([shared.CommitTs, deleted.CommitTs], events.Select(e => e.CommitTs));
        Assert.Equal([shared.TxnId, deleted.TxnId], events.Select(e => e.TxnId));
        Assert.All(events, e => Assert.Equal("", e.AgentId));
        Assert.Equal([("alice", "a", "x"), ("bob", "b", "y")], events[0].Operations.Select(o => (o.AgentId, o.Key, o.As<string>())));
        var tombstone = Assert.Single(events[1].Operations);
        Assert.Equal(("bob", OperationKind.Delete, 2L), (tombstone.AgentId, tombstone.Kind, tombstone.Version));
    }

    [Fact]
    public async Task FollowAsync_AgentAfterItsLastCommit_SkipsOtherAgentsAndTheSameAgentInAnotherNamespace()
    {
        await Scope.StartWorkerAsync();
        var client = await Scope.ConnectClientAsync(o => o.FollowPollInterval = TimeSpan.FromMilliseconds(200));
        await CommitAsync(client, tx => tx.Write("alice", "a", 1));
        await using var follow = client.FollowAsync(FollowFilter.ForAgent("alice"), 0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await follow.MoveNextAsync().AsTask().WaitAsync(Patience, Ct));
        Assert.Equal(1, follow.Current.CommitTs);
        var next = follow.MoveNextAsync();

        await CommitAsync(client, tx => tx.Write("bob", "b", 2));
        await using (var other = client.BeginTransaction("other"))
        {
            other.Write("alice", "a", 3);
            await other.CommitAsync(Ct);
        }

        var own = await CommitAsync(client, tx => tx.Write("alice", "a", 4).Write("bob", "b", 5));

        Assert.True(await next.AsTask().WaitAsync(Patience, Ct));
        Assert.Equal(own.CommitTs, follow.Current.CommitTs);
        Assert.Equal([("alice", "a", 4)], follow.Current.Operations.Select(o => (o.AgentId, o.Key, o.As<int>())));
    }

    [Fact]
    public async Task FollowAsync_AfterTheHighestCommitTsThereCanBe_ThrowsAtTheCallNotAnInvalidReplayRange()
    {
        var client = await Scope.ConnectClientAsync();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => client.FollowAsync(FollowFilter.ForNamespace(), long.MaxValue, Ct));
        Assert.Equal("afterCommitTs", error.ParamName);
    }

    [Fact]
    public async Task ReplayNamespaceAsync_Range_ReturnsTheNamespacesTransactionsInCommitOrder()
    {
        var client = await StartWorkerAndClientAsync();
        var first = await CommitAsync(client, tx => tx.Write("alice", "a", 1));
        await using (var other = client.BeginTransaction("other"))
        {
            other.Write("carol", "c", 2);
            await other.CommitAsync(Ct);
        }

        var third = await CommitAsync(client, tx => tx.Write("bob", "b", 3));
        await CommitAsync(client, tx => tx.Write("bob", "b", 4));

        var events = await client.ReplayNamespaceAsync(1, third.CommitTs, ct: Ct).ToListAsync(Ct);
        var elsewhere = await client.ReplayNamespaceAsync(@namespace: "other", ct: Ct).ToListAsync(Ct);

        Assert.Equal([first.TxnId, third.TxnId], events.Select(e => e.TxnId));
        Assert.Equal(["alice", "bob"], events.Select(e => e.Operations[0].AgentId));
        Assert.Equal(["carol"], elsewhere.Select(e => Assert.Single(e.Operations).AgentId));
    }
}
