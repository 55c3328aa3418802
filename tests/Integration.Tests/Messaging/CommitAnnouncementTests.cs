using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Messaging;

/// <summary>Followers bind a queue to the commits fanout and see every committed transaction once, in commit order.</summary>
public sealed class CommitAnnouncementTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task Commit_FollowerBoundToCommitsExchange_SeesEachCommittedTransactionOnceInOrder()
    {
        var client = await StartWorkerAndClientAsync();
        var raw = await Scope.CreateRawClientAsync();
        var follower = await raw.BindNewQueueAsync(Scope.Names.CommitsExchange);

        var first = await CommitAsync(client, tx => tx.Write("agent", "k", 1));
        var duplicate = Envelopes.Write("announced-once", ("agent", "k", "2"));
        await raw.PublishCommitAsync(Scope.Names, duplicate);
        var second = await raw.NextCommitReplyAsync(duplicate.TxnId);
        await raw.PublishCommitAsync(Scope.Names, duplicate);
        await raw.NextCommitReplyAsync(duplicate.TxnId);
        await using (var rejected = client.BeginTransaction())
        {
            rejected.ExpectVersion("agent", "k", 99).Write("agent", "k", 3);
            await Assert.ThrowsAsync<Client.Exceptions.StatehouseConflictException>(() => rejected.CommitAsync(Ct));
        }

        var third = await CommitAsync(client, tx => tx.Write("agent", "k", 4));

        var announced = new List<CommitReply>();
        for (var i = 0; i < 3; i++)
        {
            announced.Add(WireFormat.Deserialize<CommitReply>((await raw.NextMessageAsync(follower)).Body));
        }

        Assert.Equal([first.TxnId, duplicate.TxnId, third.TxnId], announced.Select(a => a.TxnId));
        Assert.Equal([1L, 2L, 3L], announced.Select(a => a.CommitTs));
        Assert.Equal(second.CommitTs, announced[1].CommitTs);
        Assert.All(announced, a => Assert.Equal(CommitStatus.Committed, a.Status));

        // Nothing for the duplicate or the rejected transaction: the next announcement is the next commit.
        var fourth = await CommitAsync(client, tx => tx.Write("agent", "k", 5));
        var next = WireFormat.Deserialize<CommitReply>((await raw.NextMessageAsync(follower)).Body);
        Assert.Equal(fourth.TxnId, next.TxnId);
    }
}
