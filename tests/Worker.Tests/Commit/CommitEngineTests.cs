using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Commit;

public sealed class CommitEngineTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Apply_GroupOfTransactions_IsExactlyOneSyncedWrite()
    {
        var before = _store.Store.SyncedWrites;
        var envelopes = Enumerable.Range(0, 50).Select(i => Envelope(Operation.Write("agent", $"k{i}", Value(i)))).ToArray();

        var result = _store.Apply(envelopes);

        Assert.Equal(before + 1, _store.Store.SyncedWrites);
        Assert.Equal(50, result.Committed);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), result.Outcomes.Select(o => o.Reply.CommitTs));
    }

    [Fact]
    public void Commit_ThreeWrites_AllVisibleWithOneCommitTs()
    {
        var reply = _store.Commit(
            Operation.Write("agent", "a", Value(1)),
            Operation.Write("agent", "b", Value("two")),
            Operation.Write("other", "c", Value(new[] { 3 })));

        Assert.Equal(CommitStatus.Committed, reply.Status);
        Assert.Equal(1, reply.CommitTs);
        Assert.All(reply.Versions, v => Assert.Equal(1, v.Version));
        foreach (var (agent, key) in new[] { ("agent", "a"), ("agent", "b"), ("other", "c") })
        {
            var state = _store.Get(agent, key);
            Assert.True(state.Exists);
            Assert.Equal(1, state.CommitTs);
        }

        Assert.Equal(Value("two"), _store.Get("agent", "b").Value);
    }

    [Fact]
    public void Commit_AfterReopen_VersionsAndCommitTsContinue()
    {
        _store.Commit(Operation.Write("agent", "a", Value(1)));
        _store.Commit(Operation.Write("agent", "a", Value(2)));
        _store.Reopen();

        Assert.Equal(2, _store.Store.LastCommitTs);
        var reply = _store.Commit(Operation.Write("agent", "a", Value(3)), Operation.Write("agent", "b", Value(1)));

        Assert.Equal(3, reply.CommitTs);
        Assert.Equal([3L, 1L], reply.Versions.Select(v => v.Version));
        Assert.Equal(3, _store.Get("agent", "a").Version);
    }

    [Fact]
    public void Commit_SameRecordTwiceInOneTransaction_LastWinsAndVersionMovesByOne()
    {
        _store.Commit(Operation.Write("agent", "a", Value(1)));
        var reply = _store.Commit(Operation.Write("agent", "a", Value(2)), Operation.Delete("agent", "a"), Operation.Write("agent", "a", Value(3)));

        Assert.Equal(2, Assert.Single(reply.Versions).Version);
        var state = _store.Get("agent", "a");
        Assert.Equal(2, state.Version);
        Assert.Equal(Value(3), state.Value);
    }

    [Fact]
    public void Commit_ExpectVersionMismatch_RejectsWithActualVersionAndWritesNothing()
    {
        _store.Commit(Operation.Write("bank", "B", Value(10)));
        var before = _store.Store.LastCommitTs;

        var reply = _store.Commit(Operation.Expect("bank", "B", 3), Operation.Write("bank", "A", Value(50)));

        Assert.Equal(CommitStatus.Rejected, reply.Status);
        Assert.Equal(ErrorCode.Conflict, reply.ErrorCode);
        var conflict = Assert.Single(reply.Conflicts!);
        Assert.Equal(("bank", "B", 1L), (conflict.AgentId, conflict.Key, conflict.Version));
        Assert.False(_store.Get("bank", "A").Exists);
        Assert.Equal(before, _store.Store.LastCommitTs);
    }

    [Fact]
    public void Commit_ExpectZero_PassesWhenAbsentOrDeletedAndFailsWhenPresent()
    {
        Assert.Equal(CommitStatus.Committed, _store.Commit(Operation.Expect("a", "k", 0), Operation.Write("a", "k", Value(1))).Status);
        Assert.Equal(ErrorCode.Conflict, _store.Commit(Operation.Expect("a", "k", 0), Operation.Write("a", "k", Value(2))).ErrorCode);
        _store.Commit(Operation.Delete("a", "k"));
        Assert.Equal(CommitStatus.Committed, _store.Commit(Operation.Expect("a", "k", 0), Operation.Write("a", "k", Value(3))).Status);
        Assert.Equal(3, _store.Get("a", "k").Version);
    }

    [Fact]
    public void Apply_LaterTransactionInGroup_SeesEarlierOnesAndFailedOnesContributeNothing()
    {
        var first = Envelope(Operation.Write("a", "k", Value(1)));
        var conflicting = Envelope(Operation.Expect("a", "k", 0), Operation.Write("a", "other", Value(9)));
        var invalid = Envelope(Operation.Write("a", "", Value(1)));
        var dependent = Envelope(Operation.Expect("a", "k", 1), Operation.Write("a", "k", Value(2)));

        var result = _store.Apply(first, conflicting, invalid, dependent);

        Assert.Equal([CommitStatus.Committed, CommitStatus.Rejected, CommitStatus.Rejected, CommitStatus.Committed],
            result.Outcomes.Select(o => o.Reply.Status));
        Assert.Equal([1L, 0L, 0L, 2L], result.Outcomes.Select(o => o.Reply.CommitTs));
        Assert.False(_store.Get("a", "other").Exists);
        Assert.Equal(2, _store.Get("a", "k").Version);
        Assert.Null(result.Outcomes[1].DeadLetterReason);
        Assert.NotNull(result.Outcomes[2].DeadLetterReason);
    }

    [Fact]
    public void Apply_DuplicateTxnIdInGroupAndLater_AppliedOnceWithSameReply()
    {
        var envelope = EnvelopeWithId("txn-1", Operation.Write("a", "k", Value(1)));

        var group = _store.Apply(envelope, envelope);
        _store.Reopen();
        var later = _store.Apply(envelope);

        Assert.False(group.Outcomes[0].Duplicate);
        Assert.True(group.Outcomes[1].Duplicate);
        Assert.True(later.Outcomes[0].Duplicate);
        Assert.Equal(1, group.Committed);
        Assert.Equal(0, later.Committed);
        Assert.All([group.Outcomes[1], later.Outcomes[0]], o => Assert.Equal(group.Outcomes[0].ReplyBytes.ToArray(), o.ReplyBytes.ToArray()));
        Assert.Equal(1, _store.Get("a", "k").Version);
        Assert.Equal(1, _store.Store.LastCommitTs);
    }

    [Fact]
    public void Apply_RejectedTxnIdRetried_GetsTheSameRejection()
    {
        _store.Commit(Operation.Write("a", "k", Value(1)));
        var envelope = EnvelopeWithId("txn-conflict", Operation.Expect("a", "k", 5), Operation.Write("a", "k", Value(2)));

        var first = _store.Apply(envelope).Outcomes[0];
        _store.Commit(Operation.Write("a", "k", Value(3)), Operation.Write("a", "x", Value(0)));
        _store.Commit(Operation.Write("a", "k", Value(3)));
        _store.Commit(Operation.Write("a", "k", Value(3)));
        var retry = _store.Apply(envelope).Outcomes[0];

        Assert.Equal(ErrorCode.Conflict, first.Reply.ErrorCode);
        Assert.True(retry.Duplicate);
        Assert.Equal(first.ReplyBytes.ToArray(), retry.ReplyBytes.ToArray());
        Assert.Equal(4, _store.Get("a", "k").Version);
    }

    [Fact]
    public void Apply_RefusedMessageRedelivered_IsDeadLetteredAgainButAResendOrAConflictIsNot()
    {
        // The worker recorded the refusal, then (say) failed to publish the dead-letter copy and never acked:
        // the broker redelivers, and the copy must be made then, or the message would be acked without one.
        _store.Commit(Operation.Write("a", "k", Value(1)));
        var invalid = Request(EnvelopeWithId("txn-invalid", Operation.Write("a", "k", [0x92, 0x01])));
        var conflict = Request(EnvelopeWithId("txn-conflict", Operation.Expect("a", "k", 5), Operation.Write("a", "k", Value(2))));
        var first = _store.Engine.Apply([invalid, conflict]).Outcomes;

        var redelivered = _store.Engine.Apply([invalid with { Redelivered = true }, conflict with { Redelivered = true }]).Outcomes;
        var resent = _store.Engine.Apply([invalid]).Outcomes;

        Assert.True(first[0].DeadLetter);
        Assert.False(first[1].DeadLetter);
        Assert.True(redelivered[0].Duplicate);
        Assert.Equal(first[0].DeadLetterReason, redelivered[0].DeadLetterReason);
        Assert.Equal(first[0].ReplyBytes.ToArray(), redelivered[0].ReplyBytes.ToArray());
        Assert.True(redelivered[1].Duplicate);
        Assert.False(redelivered[1].DeadLetter);
        Assert.True(resent[0].Duplicate);
        Assert.False(resent[0].DeadLetter);
        Assert.Equal(1, _store.Get("a", "k").Version);
    }

    [Fact]
    public void Apply_RequeuedRefusal_IsValidatedAgainButACommitOrAConflictIsAnsweredFromTheInbox()
    {
        _store.Limits.MaxOperations = 1;
        _store.Reopen();
        var envelope = EnvelopeWithId("txn-3", Operation.Write("a", "x", Value(1)), Operation.Write("a", "y", Value(2)), Operation.Write("a", "z", Value(3)));
        var requeued = Request(envelope) with { Requeued = true };
        var refused = _store.Apply(envelope).Outcomes[0];

        // Still over the limit: refused again with today's reason, and the inbox holds that reason now.
        _store.Limits.MaxOperations = 2;
        _store.Reopen();
        var stillRefused = _store.Engine.Apply([requeued]).Outcomes[0];
        var resendAfterRefusal = _store.Apply(envelope).Outcomes[0];

        _store.Limits.MaxOperations = 3;
        _store.Reopen();
        var resendBeforeRequeue = _store.Apply(envelope).Outcomes[0];
        var applied = _store.Engine.Apply([requeued]).Outcomes[0];
        var requeuedAgain = _store.Engine.Apply([requeued]).Outcomes[0];
        var resendAfterCommit = _store.Apply(envelope).Outcomes[0];

        Assert.Contains("at most 1 ", refused.Reply.ErrorMessage);
        Assert.True(refused.DeadLetter);
        Assert.False(stillRefused.Duplicate);
        Assert.Contains("at most 2 ", stillRefused.Reply.ErrorMessage);
        Assert.Equal(stillRefused.DeadLetterReason, stillRefused.Reply.ErrorMessage);
        Assert.Equal(stillRefused.ReplyBytes.ToArray(), resendAfterRefusal.ReplyBytes.ToArray());
        Assert.True(resendAfterRefusal.Duplicate);
        Assert.False(resendAfterRefusal.DeadLetter);

        // A client's own resend gets the recorded answer; only the operator's requeue is validated again.
        Assert.True(resendBeforeRequeue.Duplicate);
        Assert.Equal(ErrorCode.InvalidRequest, resendBeforeRequeue.Reply.ErrorCode);
        Assert.Equal(CommitStatus.Committed, applied.Reply.Status);
        Assert.False(applied.Duplicate);
        Assert.Equal(1, applied.Reply.CommitTs);
        Assert.True(requeuedAgain.Duplicate);
        Assert.True(resendAfterCommit.Duplicate);
        Assert.Equal(applied.ReplyBytes.ToArray(), requeuedAgain.ReplyBytes.ToArray());
        Assert.Equal(applied.ReplyBytes.ToArray(), resendAfterCommit.ReplyBytes.ToArray());
        Assert.Equal(1, _store.Store.LastCommitTs);
        Assert.Equal(1, _store.Get("a", "z").Version);

        // A forged requeue of a conflict (never dead-lettered) gets the recorded answer, not a second evaluation.
        var conflict = EnvelopeWithId("txn-conflict", Operation.Expect("a", "x", 5), Operation.Write("a", "w", Value(1)));
        var rejected = _store.Apply(conflict).Outcomes[0];
        _store.Commit(Operation.Write("a", "x", Value(2)));
        _store.Commit(Operation.Write("a", "x", Value(3)));
        _store.Commit(Operation.Write("a", "x", Value(4)));
        _store.Commit(Operation.Write("a", "x", Value(5)));
        var forged = _store.Engine.Apply([Request(conflict) with { Requeued = true }]).Outcomes[0];
        Assert.Equal(5, _store.Get("a", "x").Version);
        Assert.True(forged.Duplicate);
        Assert.Equal(rejected.ReplyBytes.ToArray(), forged.ReplyBytes.ToArray());
        Assert.False(_store.Get("a", "w").Exists);
    }

    [Fact]
    public void Apply_TxnIdReusedForOtherOperations_IsRefusedAndTheFirstReplyStands()
    {
        var first = EnvelopeWithId("txn-once", Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = _store.Time.GetUtcNow().AddMinutes(5).ToUnixTimeMilliseconds() };
        var committed = _store.Apply(first).Outcomes[0];
        _store.Reopen();

        var other = _store.Apply(first with { Operations = [Operation.Write("a", "k", Value(2))] }).Outcomes[0];
        var moreOperations = _store.Apply(first with { Operations = [Operation.Write("a", "k", Value(1)), Operation.Delete("a", "j")] }).Outcomes[0];
        // The client library commits the same transaction again under its txn_id with a new deadline: that is a resend.
        var newDeadline = _store.Apply(first with { DeadlineUnixMs = first.DeadlineUnixMs + 60_000 }).Outcomes[0];

        foreach (var refused in new[] { other, moreOperations })
        {
            Assert.False(refused.Duplicate);
            Assert.Equal(ErrorCode.InvalidRequest, refused.Reply.ErrorCode);
            Assert.Contains("'txn-once'", refused.Reply.ErrorMessage);
            Assert.True(refused.DeadLetter);
        }

        Assert.True(newDeadline.Duplicate);
        Assert.Equal(committed.ReplyBytes.ToArray(), newDeadline.ReplyBytes.ToArray());
        Assert.Equal(Value(1), _store.Get("a", "k").Value);
        Assert.Equal(1, _store.Get("a", "k").Version);
        Assert.Equal(1, _store.Store.LastCommitTs);
    }

    [Fact]
    public void Apply_InboxEntryWithoutDigest_StillAnswersResends()
    {
        var envelope = EnvelopeWithId("txn-legacy", Operation.Write("a", "k", Value(1)));
        var committed = _store.Apply(envelope).Outcomes[0];
        // An entry as stored before digests existed: [stored_at, reply, namespace].
        var legacy = MessagePack.MessagePackSerializer.Serialize(new object[] { _store.Time.GetUtcNow().ToUnixTimeMilliseconds(), committed.ReplyBytes.ToArray(), "default" });
        _store.Store.Dispose();
        using (var db = RocksDbSharp.RocksDb.Open(new RocksDbSharp.DbOptions(), _store.Directory, StateStore.AllFamilies()))
        {
            db.Put(KeyCodec.InboxKey("txn-legacy"), legacy, db.GetColumnFamily(ColumnFamilyNames.Inbox), new RocksDbSharp.WriteOptions().SetSync(true));
        }

        _store.Reopen();
        var resend = _store.Apply(envelope).Outcomes[0];
        // Without a digest the worker cannot tell other operations apart: they get the recorded answer, as before.
        var other = _store.Apply(envelope with { Operations = [Operation.Write("a", "k", Value(2))] }).Outcomes[0];

        Assert.True(resend.Duplicate);
        Assert.Equal(committed.ReplyBytes.ToArray(), resend.ReplyBytes.ToArray());
        Assert.True(other.Duplicate);
        Assert.Equal(committed.ReplyBytes.ToArray(), other.ReplyBytes.ToArray());
        Assert.Equal(1, _store.Get("a", "k").Version);
    }

    [Fact]
    public void Apply_UndecodableBytes_DeadLettersAndWritesNothing()
    {
        var before = _store.Store.SyncedWrites;

        var result = _store.Engine.Apply([new CommitRequest(new byte[] { 0xC1, 0x00, 0xFF }, "m-1"), new CommitRequest(Array.Empty<byte>(), null)]);

        Assert.All(result.Outcomes, o =>
        {
            Assert.Equal(ErrorCode.InvalidRequest, o.Reply.ErrorCode);
            Assert.NotNull(o.DeadLetterReason);
        });
        Assert.Equal("m-1", result.Outcomes[0].Reply.TxnId);
        Assert.Equal(before, _store.Store.SyncedWrites);
        Assert.Equal(0, _store.Store.LastCommitTs);
    }

    [Fact]
    public void Apply_DeadlinePassed_RejectsAsExpired()
    {
        var envelope = Envelope(Operation.Write("a", "k", Value(1))) with
        {
            DeadlineUnixMs = _store.Time.GetUtcNow().AddSeconds(5).ToUnixTimeMilliseconds(),
        };
        _store.Time.Advance(TimeSpan.FromSeconds(6));

        var outcome = _store.Apply(envelope).Outcomes[0];

        Assert.Equal(ErrorCode.TxnExpired, outcome.Reply.ErrorCode);
        Assert.NotNull(outcome.DeadLetterReason);
        Assert.False(_store.Get("a", "k").Exists);
    }

    [Fact]
    public void Apply_ValueOverLimit_RejectsAsPayloadTooLarge()
    {
        var outcome = _store.Apply(Envelope(Operation.Write("a", "k", Value(new byte[_store.Limits.MaxValueBytes + 1])))).Outcomes[0];

        Assert.Equal(ErrorCode.PayloadTooLarge, outcome.Reply.ErrorCode);
        Assert.False(_store.Get("a", "k").Exists);
    }

    [Fact]
    public void Apply_TxnIdReusedInAnotherNamespace_IsRefusedNotAnsweredWithTheOtherReply()
    {
        var first = EnvelopeWithId("shared-id", Operation.Write("a", "k", Value(1))) with { Namespace = "one" };
        var second = first with { Namespace = "two" };

        _store.Apply(first);
        var outcome = _store.Apply(second).Outcomes[0];

        Assert.False(outcome.Duplicate);
        Assert.Equal(ErrorCode.InvalidRequest, outcome.Reply.ErrorCode);
        Assert.False(_store.Get("a", "k", "two").Exists);
        Assert.True(_store.Apply(first).Outcomes[0].Duplicate);
    }

    [Fact]
    public void Apply_KeyWithInvalidUtf8_IsRejectedNotMergedWithAnotherKey()
    {
        var first = Patch(Envelope(Operation.Write("a", "kZ", Value(1))), (byte)'Z', 0xFF);
        var second = Patch(Envelope(Operation.Write("a", "kZ", Value(2))), (byte)'Z', 0xFE);

        var result = _store.Engine.Apply([first, second]);

        Assert.All(result.Outcomes, o => Assert.Equal(ErrorCode.InvalidRequest, o.Reply.ErrorCode));
        Assert.Equal(0, _store.Store.LastCommitTs);

        static CommitRequest Patch(CommitEnvelope envelope, byte from, byte to)
        {
            var body = Statehouse.Contracts.WireFormat.Serialize(envelope);
            var at = body.AsSpan().IndexOf([(byte)0xA2, (byte)'k', from]);
            Assert.True(at >= 0, "the key bytes are in the body");
            body[at + 2] = to;
            return new CommitRequest(body, envelope.TxnId);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(CommitEngine.VersionCacheCapacity)]
    public void Apply_RecordsRewrittenAcrossGroups_VersionsAndExpectationsFollowTheStoreWhateverTheVersionCacheHolds(int capacity)
    {
        var engine = new CommitEngine(_store.Store, _store.Limits, _store.Time, NoAuthorization, versionCacheCapacity: capacity);
        var keys = Enumerable.Range(0, 5).Select(i => $"k{i}").ToArray();
        for (var round = 1; round <= 4; round++)
        {
            // Round 3 deletes every record; round 4 recreates them (the version keeps counting).
            var envelopes = keys.Select(k => Envelope(
                Operation.Expect("agent", k, round - 1),
                round == 3 ? Operation.Delete("agent", k) : Operation.Write("agent", k, Value(round)))).ToArray();
            var result = engine.Apply([.. envelopes.Select(Request)]);

            Assert.All(result.Outcomes, o => Assert.Equal(CommitStatus.Committed, o.Reply.Status));
            Assert.All(result.Outcomes, o => Assert.Equal(round, Assert.Single(o.Reply.Versions).Version));
        }

        // A stale expectation is refused with the record's real version, cached or not.
        var stale = engine.Apply([Request(Envelope(Operation.Expect("agent", "k0", 3), Operation.Write("agent", "k0", Value(0))))]);
        Assert.Equal(ErrorCode.Conflict, stale.Outcomes[0].Reply.ErrorCode);
        Assert.Equal(4, Assert.Single(stale.Outcomes[0].Reply.Conflicts!).Version);

        // A new engine over the same store (as after a restart) sees the same versions.
        var restarted = new CommitEngine(_store.Store, _store.Limits, _store.Time, NoAuthorization, versionCacheCapacity: capacity);
        var next = restarted.Apply([Request(Envelope(Operation.Expect("agent", "k4", 4), Operation.Write("agent", "k4", Value(5))))]);
        Assert.Equal(5, Assert.Single(next.Outcomes[0].Reply.Versions).Version);
    }
}
