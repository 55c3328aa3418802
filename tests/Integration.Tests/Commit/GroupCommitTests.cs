using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Commit;

/// <summary>
/// Transactions published back to back on one channel arrive in order and are likely drained into one group commit:
/// each must still see the effects of the ones before it, and a rejected one must contribute nothing.
/// </summary>
public sealed class GroupCommitTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task Commit_DependentTransactionsBackToBack_EachSeesTheEarlierOnesEffects()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var value = Envelopes.Value("x");
        var transactions = new[]
        {
            Txn(Operation.Expect("agent", "k", 0), Operation.Write("agent", "k", value)),         // k v1
            Txn(Operation.Expect("agent", "k", 1), Operation.Write("agent", "k", value)),         // k v2
            Txn(Operation.Expect("agent", "k", 1), Operation.Write("agent", "lost", value)),      // conflict: k is at 2
            Txn(Operation.Expect("agent", "k", 2), Operation.Delete("agent", "k")),               // k v3, deleted
            Txn(Operation.Expect("agent", "k", 0), Operation.Write("agent", "k", value), Operation.Write("agent", "other", value)), // k v4
        };

        foreach (var envelope in transactions)
        {
            await raw.PublishCommitAsync(Scope.Names, envelope);
        }

        var replies = new List<CommitReply>();
        foreach (var envelope in transactions)
        {
            replies.Add(await raw.NextCommitReplyAsync(envelope.TxnId));
        }

        Assert.Equal(
            [CommitStatus.Committed, CommitStatus.Committed, CommitStatus.Rejected, CommitStatus.Committed, CommitStatus.Committed],
            replies.Select(r => r.Status));
        Assert.Equal([1L, 2L, 0L, 3L, 4L], replies.Select(r => r.CommitTs));
        Assert.Equal(2, Assert.Single(replies[2].Conflicts!).Version);
        Assert.Equal([1L, 2L, 3L, 4L], replies.Where(r => r.Status == CommitStatus.Committed).Select(r => r.Versions.Single(v => v.Key == "k").Version));
        var k = await raw.GetAsync(Scope.Names, "default", "agent", "k");
        Assert.Equal((true, 4L, 4L), (k.Exists, k.Version, k.CommitTs));
        Assert.False((await raw.GetAsync(Scope.Names, "default", "agent", "lost")).Exists);
    }

    private static CommitEnvelope Txn(params Operation[] operations) =>
        new(WireFormat.SchemaVersion, Envelopes.NewTxnId("group"), "default", operations, Envelopes.Deadline());
}
