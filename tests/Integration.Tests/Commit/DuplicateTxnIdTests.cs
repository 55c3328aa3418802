using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Commit;

/// <summary>
/// Exactly-once effect on at-least-once delivery, driven over raw AMQP so that the very same message (same
/// message_id/txn_id) reaches the worker twice, as a client resend or a redelivery would.
/// </summary>
public sealed class DuplicateTxnIdTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Commit_SameTxnIdPublishedTwice_AppliedOnceAndBothRepliesEqual(bool waitForFirstReply)
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var envelope = Envelopes.Write("dup", ("agent", "k1", "first"), ("agent", "k2", "second"));

        // Without waiting in between, both copies are likely drained into the same group commit, where the first
        // copy's inbox entry is not yet on disk when the second is checked.
        await raw.PublishCommitAsync(Scope.Names, envelope);
        var first = waitForFirstReply ? await raw.NextCommitReplyAsync(envelope.TxnId) : null;
        await raw.PublishCommitAsync(Scope.Names, envelope);
        first ??= await raw.NextCommitReplyAsync(envelope.TxnId);
        var second = await raw.NextCommitReplyAsync(envelope.TxnId);

        Assert.Equal(CommitStatus.Committed, first.Status);
        Assert.Equal(1, first.CommitTs);
        Assert.Equivalent(first, second, strict: true);
        await AssertAppliedOnceAsync(raw, envelope.TxnId, expectedLastCommitTs: 1);
    }

    [Fact]
    public async Task Commit_SameTxnIdAfterRestart_ReturnsStoredReply()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var envelope = Envelopes.Write("dup-restart", ("agent", "k1", "first"));
        await raw.PublishCommitAsync(Scope.Names, envelope);
        var first = await raw.NextCommitReplyAsync(envelope.TxnId);

        await Scope.KillAndRestartWorkerAsync();
        await raw.PublishCommitAsync(Scope.Names, envelope);
        var second = await raw.NextCommitReplyAsync(envelope.TxnId);

        Assert.Equivalent(first, second, strict: true);
        await AssertAppliedOnceAsync(raw, envelope.TxnId, expectedLastCommitTs: 1);
    }

    [Fact]
    public async Task Commit_RejectedTxnIdResentAfterStateChanged_ReturnsFirstRejection()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var seed = Envelopes.Write("seed", ("agent", "k", "v1"));
        await raw.PublishCommitAsync(Scope.Names, seed);
        await raw.NextCommitReplyAsync(seed.TxnId);
        var expectsV2 = new CommitEnvelope(
            WireFormat.SchemaVersion, Envelopes.NewTxnId("expects-v2"), "default", [Operation.Expect("agent", "k", 2), Operation.Write("agent", "other", Envelopes.Value("x"))],
            Envelopes.Deadline());

        await raw.PublishCommitAsync(Scope.Names, expectsV2);
        var rejected = await raw.NextCommitReplyAsync(expectsV2.TxnId);
        var bump = Envelopes.Write("bump", ("agent", "k", "v2"));
        await raw.PublishCommitAsync(Scope.Names, bump);
        Assert.Equal(2, (await raw.NextCommitReplyAsync(bump.TxnId)).CommitTs);
        await raw.PublishCommitAsync(Scope.Names, expectsV2);
        var resent = await raw.NextCommitReplyAsync(expectsV2.TxnId);

        // The record is now at version 2, but a resend must get the first answer, not a second evaluation.
        Assert.Equal(CommitStatus.Rejected, rejected.Status);
        Assert.Equal(ErrorCode.Conflict, rejected.ErrorCode);
        Assert.Equivalent(rejected, resent, strict: true);
        Assert.False((await raw.GetAsync(Scope.Names, "default", "agent", "other")).Exists);
        Assert.Equal(2, (await raw.HealthAsync(Scope.Names)).LastCommitTs);
    }

    [Fact]
    public async Task Commit_SameTxnIdOtherOperations_IsRefusedAndTheFirstTransactionStands()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var original = Envelopes.Write("once", ("agent", "k1", "first"));
        var other = original with { Operations = [Operation.Write("agent", "k1", Envelopes.Value("changed")), Operation.Write("agent", "k2", Envelopes.Value("x"))] };
        await raw.PublishCommitAsync(Scope.Names, original);
        var first = await raw.NextCommitReplyAsync(original.TxnId);

        await raw.PublishCommitAsync(Scope.Names, other);
        var refused = await raw.NextCommitReplyAsync(original.TxnId);
        // After a SIGKILL the inbox on disk still tells the two transactions apart.
        await Scope.KillAndRestartWorkerAsync();
        await raw.PublishCommitAsync(Scope.Names, other);
        var refusedAfterRestart = await raw.NextCommitReplyAsync(original.TxnId);
        await raw.PublishCommitAsync(Scope.Names, original with { DeadlineUnixMs = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds() });
        var resent = await raw.NextCommitReplyAsync(original.TxnId);

        Assert.Equal(CommitStatus.Committed, first.Status);
        foreach (var reply in new[] { refused, refusedAfterRestart })
        {
            Assert.Equal(CommitStatus.Rejected, reply.Status);
            Assert.Equal(ErrorCode.InvalidRequest, reply.ErrorCode);
            Assert.Contains($"'{original.TxnId}'", reply.ErrorMessage);
        }

        Assert.Equivalent(first, resent, strict: true);
        Assert.False((await raw.GetAsync(Scope.Names, "default", "agent", "k2")).Exists);
        var k1 = await raw.GetAsync(Scope.Names, "default", "agent", "k1");
        Assert.Equal(Envelopes.Value("first"), k1.Value);
        await AssertAppliedOnceAsync(raw, original.TxnId, expectedLastCommitTs: 1);
    }

    private async Task AssertAppliedOnceAsync(RawAmqpClient raw, string txnId, long expectedLastCommitTs)
    {
        var record = await raw.GetAsync(Scope.Names, "default", "agent", "k1");
        Assert.True(record.Exists);
        Assert.Equal(1, record.Version);
        Assert.Equal(expectedLastCommitTs, (await raw.HealthAsync(Scope.Names)).LastCommitTs);

        var replay = await raw.ReadAsync(Scope.Names, new ReadRequest(WireFormat.SchemaVersion, ReadKind.Replay, "default", "agent"));
        Assert.Equal(ErrorCode.None, replay.ErrorCode);
        Assert.Equal([txnId], replay.Events!.Select(e => e.TxnId));

        // The duplicate consumed no commit_ts: the next transaction gets the very next one.
        var next = Envelopes.Write("next", ("agent", "k3", "third"));
        await raw.PublishCommitAsync(Scope.Names, next);
        Assert.Equal(expectedLastCommitTs + 1, (await raw.NextCommitReplyAsync(next.TxnId)).CommitTs);
    }
}
