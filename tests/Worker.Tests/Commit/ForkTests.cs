using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Commit;

/// <summary>
/// Fork at a commit (<see cref="OperationKind.Fork"/>), decided by the engine on a real store: the target gets exactly the
/// source's live state as of the commit_ts, byte for byte, in one ordinary transaction, or nothing.
/// </summary>
public sealed class ForkTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Fork_AtCommitTs_TargetGetsExactlyTheSourcesLiveStateThen()
    {
        var (forkAt, values) = WriteSourceHistory();

        var reply = _store.Commit(Operation.Fork("run-2", "run-1", forkAt));

        Assert.Equal(CommitStatus.Committed, reply.Status);
        Assert.Equal(forkAt + 2, reply.CommitTs);
        Assert.Equal(["b", "c", ForkNote.ReservedKey], Keys("run-2"));
        foreach (var key in new[] { "b", "c" })
        {
            var record = _store.Get("run-2", key);
            Assert.Equal(values[key], record.Value);
            Assert.Equal((1L, reply.CommitTs), (record.Version, record.CommitTs));
        }

        Assert.False(_store.Get("run-2", "a").Exists);
        Assert.False(_store.Get("run-2", "d").Exists);
    }

    [Fact]
    public void Fork_ProvenanceNote_NamesSourceNamespaceCommitTsAndTxnId()
    {
        var (forkAt, _) = WriteSourceHistory();
        var fork = Envelope(Operation.Fork("run-2", "run-1", forkAt));

        _store.Apply(fork);

        var note = WireFormat.Deserialize<ForkNote>(_store.Get("run-2", ForkNote.ReservedKey).Value!);
        Assert.Equal(new ForkNote("run-1", "default", forkAt, fork.TxnId), note);
    }

    [Fact]
    public void Fork_Source_IsUnchangedAndItsReplayHasNoFork()
    {
        var (forkAt, _) = WriteSourceHistory();
        var before = Snapshot("run-1");
        var lastBefore = _store.Store.LastCommitTs;

        _store.Commit(Operation.Fork("run-2", "run-1", forkAt));

        Assert.Equal(before, Snapshot("run-1"));
        Assert.All(Replay("run-1"), e => Assert.True(e.CommitTs <= lastBefore));
    }

    [Fact]
    public void Fork_ReplayOfTheTarget_StartsWithTheForkTransaction()
    {
        var (forkAt, values) = WriteSourceHistory();
        var fork = Envelope(Operation.Fork("run-2", "run-1", forkAt));
        var commitTs = _store.Apply(fork).Outcomes[0].Reply.CommitTs;
        _store.Commit(Operation.Write("run-2", "e", Value(5)));

        var events = Replay("run-2");

        Assert.Equal(2, events.Count);
        Assert.Equal((fork.TxnId, commitTs), (events[0].TxnId, events[0].CommitTs));
        Assert.Equal(["b", "c", ForkNote.ReservedKey], events[0].Operations.Select(o => o.Key));
        Assert.All(events[0].Operations, o => Assert.Equal(OperationKind.Write, o.Kind));
        Assert.Equal(values["b"], events[0].Operations[0].Value);
    }

    [Fact]
    public void Fork_TargetWithLiveKeys_ConflictNamingTheTargetAndCountAndWritesNothing()
    {
        var (forkAt, _) = WriteSourceHistory();
        _store.Commit(Operation.Write("run-2", "x", Value(1)), Operation.Write("run-2", "y", Value(2)));
        var last = _store.Store.LastCommitTs;

        var reply = _store.Commit(Operation.Fork("run-2", "run-1", forkAt));

        Assert.Equal(ErrorCode.Conflict, reply.ErrorCode);
        Assert.Contains("'run-2'", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("has 2 live keys", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(last, _store.Store.LastCommitTs);
        Assert.Equal(["x", "y"], Keys("run-2"));
    }

    [Fact]
    public void Fork_TargetWithOnlyDeletedKeys_IsEmptyAndVersionsContinue()
    {
        var (forkAt, _) = WriteSourceHistory();
        _store.Commit(Operation.Write("run-2", "b", Value("old")));
        _store.Commit(Operation.Delete("run-2", "b"));

        var reply = _store.Commit(Operation.Fork("run-2", "run-1", forkAt));

        Assert.Equal(CommitStatus.Committed, reply.Status);
        Assert.Equal(3, _store.Get("run-2", "b").Version);
    }

    [Fact]
    public void Fork_ReplaceWithTheExactExpectedSet_DeletesTheTargetsKeysAndCopies()
    {
        var (forkAt, values) = WriteSourceHistory();
        _store.Commit(Operation.Write("run-2", "b", Value("old")), Operation.Write("run-2", "x", Value(1)));

        var reply = _store.Commit(Operation.Expect("run-2", "b", 1), Operation.Expect("run-2", "x", 1), Operation.Fork("run-2", "run-1", forkAt));

        Assert.Equal(CommitStatus.Committed, reply.Status);
        Assert.Equal(["b", "c", ForkNote.ReservedKey], Keys("run-2"));
        var b = _store.Get("run-2", "b");
        Assert.Equal(2L, b.Version);
        Assert.Equal(values["b"], b.Value);
        var x = _store.Get("run-2", "x");
        Assert.Equal((false, 2L, reply.CommitTs), (x.Exists, x.Version, x.CommitTs));
    }

    [Fact]
    public void Fork_ReplaceMissingALiveKey_ConflictAndWritesNothing()
    {
        var (forkAt, _) = WriteSourceHistory();
        _store.Commit(Operation.Write("run-2", "b", Value("old")), Operation.Write("run-2", "x", Value(1)));
        var last = _store.Store.LastCommitTs;

        var reply = _store.Commit(Operation.Expect("run-2", "b", 1), Operation.Fork("run-2", "run-1", forkAt));

        Assert.Equal(ErrorCode.Conflict, reply.ErrorCode);
        Assert.Contains("1 live but not expected ('x')", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(last, _store.Store.LastCommitTs);
        Assert.Equal(Value("old"), _store.Get("run-2", "b").Value);
    }

    [Fact]
    public void Fork_ReplaceWithAStaleVersion_ConflictWithTheActualVersion()
    {
        var (forkAt, _) = WriteSourceHistory();
        _store.Commit(Operation.Write("run-2", "x", Value(1)));
        _store.Commit(Operation.Write("run-2", "x", Value(2)));

        var reply = _store.Commit(Operation.Expect("run-2", "x", 1), Operation.Fork("run-2", "run-1", forkAt));

        Assert.Equal(ErrorCode.Conflict, reply.ErrorCode);
        Assert.Equal(2, Assert.Single(reply.Conflicts!).Version);
    }

    [Fact]
    public void Fork_ReplaceExpectingADeletedKey_Conflict()
    {
        var (forkAt, _) = WriteSourceHistory();
        _store.Commit(Operation.Write("run-2", "x", Value(1)));
        _store.Commit(Operation.Delete("run-2", "x"));

        var reply = _store.Commit(Operation.Expect("run-2", "x", 2), Operation.Fork("run-2", "run-1", forkAt));

        Assert.Equal(ErrorCode.Conflict, reply.ErrorCode);
        Assert.Contains("1 expected but not live ('x')", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Fork_AtACommitTsNotYetCommitted_InvalidRequestAndDeadLettered()
    {
        WriteSourceHistory();
        var last = _store.Store.LastCommitTs;

        var outcome = _store.Apply(Envelope(Operation.Fork("run-2", "run-1", last + 1))).Outcomes[0];

        Assert.Equal(ErrorCode.InvalidRequest, outcome.Reply.ErrorCode);
        Assert.Contains($"beyond the last commit_ts {last}", outcome.Reply.ErrorMessage, StringComparison.Ordinal);
        Assert.NotNull(outcome.DeadLetterReason);
        Assert.Equal(last, _store.Store.LastCommitTs);
    }

    [Fact]
    public void Fork_InTheSameGroupAsTheSourcesWrites_SeesThemAsOfItsCommitTs()
    {
        var result = _store.Apply(
            Envelope(Operation.Write("run-1", "a", Value(1))),
            Envelope(Operation.Write("run-1", "b", Value(2)), Operation.Delete("run-1", "a")),
            Envelope(Operation.Fork("run-2", "run-1", 1)),
            Envelope(Operation.Fork("run-3", "run-1", 2)));

        Assert.All(result.Outcomes, o => Assert.Equal(CommitStatus.Committed, o.Reply.Status));
        Assert.Equal(["a", ForkNote.ReservedKey], Keys("run-2"));
        Assert.Equal(["b", ForkNote.ReservedKey], Keys("run-3"));
    }

    [Fact]
    public void Fork_OfAForkedAgent_CarriesOnlyTheNewNote()
    {
        var (forkAt, _) = WriteSourceHistory();
        var first = _store.Commit(Operation.Fork("run-2", "run-1", forkAt)).CommitTs;

        _store.Commit(Operation.Fork("run-3", "run-2", first));

        var note = WireFormat.Deserialize<ForkNote>(_store.Get("run-3", ForkNote.ReservedKey).Value!);
        Assert.Equal(("run-2", first), (note.SourceAgent, note.CommitTs));
        Assert.Equal(["b", "c", ForkNote.ReservedKey], Keys("run-3"));
    }

    [Fact]
    public void Fork_SourceWithMoreKeysThanATransactionMayWrite_InvalidRequestAndNothingWritten()
    {
        using var store = new TempStore(new LimitOptions { MaxOperations = 3 });
        store.Commit(Operation.Write("run-1", "a", Value(1)), Operation.Write("run-1", "b", Value(2)), Operation.Write("run-1", "c", Value(3)));

        var reply = store.Commit(Operation.Fork("run-2", "run-1", 1));

        Assert.Equal(ErrorCode.InvalidRequest, reply.ErrorCode);
        Assert.Contains("4 records", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, store.Store.LastCommitTs);
        Assert.False(store.Get("run-2", "a").Exists);
    }

    [Fact]
    public void Fork_ReplaceOfAForkAsLargeAsTheLimit_CommitsTheSameRecordsAgain()
    {
        using var store = new TempStore(new LimitOptions { MaxOperations = 3 });
        store.Commit(Operation.Write("run-1", "a", Value(1)), Operation.Write("run-1", "b", Value(2)));
        var first = store.Commit(Operation.Fork("run-2", "run-1", 1));
        Assert.Equal(CommitStatus.Committed, first.Status);

        // Three records (a, b, the note), as the first fork: their three expected versions and the fork operation.
        var again = store.Commit(
            Operation.Expect("run-2", "a", 1), Operation.Expect("run-2", "b", 1), Operation.Expect("run-2", ForkNote.ReservedKey, 1),
            Operation.Fork("run-2", "run-1", 1));

        Assert.Equal((CommitStatus.Committed, ErrorCode.None), (again.Status, again.ErrorCode));
        Assert.Equal(2, store.Get("run-2", "a").Version);
    }

    [Fact]
    public void Fork_SourceFarBeyondTheOperationLimit_StopsReadingAndRefuses()
    {
        using var store = new TempStore(new LimitOptions { MaxOperations = 2 });
        for (var i = 0; i < 10; i++)
        {
            store.Commit(Operation.Write("run-1", $"k{i}", Value(i)), Operation.Write("run-1", $"j{i}", Value(i)));
        }

        var reply = store.Commit(Operation.Fork("run-2", "run-1", 10));

        Assert.Equal(ErrorCode.InvalidRequest, reply.ErrorCode);
        Assert.Contains("more than 2 live keys as of commit_ts 10", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Fork_ValuesBeyondTheMessageLimit_PayloadTooLargeAndNothingWritten()
    {
        using var store = new TempStore(new LimitOptions { MaxMessageBytes = 1024 });
        store.Commit(Operation.Write("run-1", "a", Value(new string('a', 600))));
        store.Commit(Operation.Write("run-1", "b", Value(new string('b', 600))));

        var reply = store.Commit(Operation.Fork("run-2", "run-1", 2));

        Assert.Equal(ErrorCode.PayloadTooLarge, reply.ErrorCode);
        Assert.Equal(2, store.Store.LastCommitTs);
    }

    /// <summary>
    /// run-1's history: a, b (commit 1, 2), then a deleted and c written (3) — the fork point — then b overwritten and d
    /// written (4). Returns the fork point and the values the keys held then.
    /// </summary>
    [Fact]
    public void Fork_AtACommitTsRetentionPruned_HistoryPrunedAndNothingWritten()
    {
        var old = _store.Commit(Operation.Write("run-1", "k", Value(1))).CommitTs;
        foreach (var i in Enumerable.Range(2, 4))
        {
            _store.Commit(Operation.Write("run-1", "k", Value(i)));
        }

        var kept = _store.Commit(Operation.Write("run-1", "k", Value(6))).CommitTs;
        new HistoryPruner(_store.Store, new HistoryOptions
        {
            Retention = new HistoryRetentionOptions { Default = new HistoryRetention { KeepVersions = 2 } },
        }, _store.Time).PruneOnce();

        var reply = _store.Commit(Operation.Fork("run-2", "run-1", old));

        Assert.Equal((CommitStatus.Rejected, ErrorCode.HistoryPruned), (reply.Status, reply.ErrorCode));
        Assert.Contains($"cannot fork 'run-1' as of commit_ts {old}", reply.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(Keys("run-2"));
        // Above what was pruned the fork reads exactly.
        Assert.Equal(CommitStatus.Committed, _store.Commit(Operation.Fork("run-3", "run-1", kept)).Status);
        Assert.Equal(Value(6), _store.Get("run-3", "k").Value);
    }

    private (long ForkAt, Dictionary<string, byte[]> Values) WriteSourceHistory()
    {
        var values = new Dictionary<string, byte[]>
        {
            ["a"] = Value(new { n = 1 }),
            ["b"] = Value(new byte[] { 0, 1, 2, 255 }),
            ["c"] = Value("three"),
        };
        _store.Commit(Operation.Write("run-1", "a", values["a"]));
        _store.Commit(Operation.Write("run-1", "b", values["b"]));
        var forkAt = _store.Commit(Operation.Delete("run-1", "a"), Operation.Write("run-1", "c", values["c"])).CommitTs;
        _store.Commit(Operation.Write("run-1", "b", Value("later")), Operation.Write("run-1", "d", Value(4)));
        return (forkAt, values);
    }

    private List<(string Key, long Version, long CommitTs, string Value)> Snapshot(string agent) =>
        [.. Keys(agent).Select(k => _store.Get(agent, k)).Select(r => (r.Key, r.Version, r.CommitTs, Convert.ToHexString(r.Value!)))];

    private List<string> Keys(string agent) =>
        [.. Ok(_store.Read(new ReadRequest(WireFormat.SchemaVersion, ReadKind.ListKeys, "default", agent))).Keys!];

    private List<CommitEvent> Replay(string agent) =>
        [.. Ok(_store.Read(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Replay, "default", agent, StartTs: 0, EndTs: 0))).Events!];
}
