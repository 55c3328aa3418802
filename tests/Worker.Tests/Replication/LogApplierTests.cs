using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Replication;

/// <summary>
/// The engine's two steps (decide, then write) and a replica's apply of the same changes from a log record: the replica
/// must hold the primary's bytes in every column family (docs/replication.md, "Log records").
/// </summary>
public sealed class LogApplierTests : IDisposable
{
    private static readonly Guid s_storeId = Guid.NewGuid();
    private readonly TempStore _primary = new();
    private readonly TempStore _replica = new();
    private long _seq;

    public void Dispose()
    {
        _primary.Dispose();
        _replica.Dispose();
    }

    [Fact]
    public void Decide_WritesNothing_UntilWrite()
    {
        var before = _primary.Store.SyncedWrites;
        var decided = _primary.Engine.Decide([Request(Envelope(Operation.Write("agent", "a", Value(1))))]);

        Assert.Equal(before, _primary.Store.SyncedWrites);
        Assert.Equal(0, _primary.Store.LastCommitTs);
        Assert.False(_primary.Get("agent", "a").Exists);
        Assert.Equal((1L, 1L, 1), (decided.FirstCommitTs, decided.LastCommitTs, decided.Committed));
        Assert.True(decided.NeedsWrite);

        _primary.Engine.Write(decided, position: null);

        Assert.Equal(1, _primary.Store.LastCommitTs);
        Assert.True(_primary.Get("agent", "a").Exists);
    }

    [Fact]
    public void Decide_OnlyDuplicates_NeedsNoWrite()
    {
        var envelope = Envelope(Operation.Write("agent", "a", Value(1)));
        _primary.Apply(envelope);

        var decided = _primary.Engine.Decide([Request(envelope)]);

        Assert.False(decided.NeedsWrite);
        Assert.True(decided.Outcomes[0].Duplicate);
        Assert.Equal((2L, 1L), (decided.FirstCommitTs, decided.LastCommitTs));
    }

    [Fact]
    public void Apply_GroupRecordsFromTheLog_GiveTheReplicaThePrimarysBytesInEveryFamily()
    {
        var reused = EnvelopeWithId("reused", Operation.Write("agent", "x", Value(1)));
        Replicate(
            Envelope(Operation.Write("agent", "a", Value(1)), Operation.Write("other", "b", Value(new { n = 2 }))),
            Envelope(Operation.Delete("agent", "a")),
            reused);
        Replicate(
            Envelope(Operation.Expect("agent", "a", 7), Operation.Write("agent", "a", Value(3))),
            EnvelopeWithId("reused", Operation.Write("agent", "y", Value(2))),
            reused,
            Envelope(Operation.Write("agent", "a", Value(4)), Operation.Write("agent", "a", Value(5))),
            new CommitEnvelope(WireFormat.SchemaVersion, "no-deadline", "default", [Operation.Write("agent", "z", Value(0))], 0));

        Assert.Equal(_primary.Store.LastCommitTs, _replica.Store.LastCommitTs);
        Assert.Equal(_primary.Store.Position, _replica.Store.Position);
        Assert.Equal(4, _replica.Store.LastCommitTs);
        foreach (var family in new[] { ColumnFamilyNames.State, ColumnFamilyNames.History, ColumnFamilyNames.Log, ColumnFamilyNames.AgentLog, ColumnFamilyNames.Inbox })
        {
            var primary = Contents(_primary.Store, family);
            Assert.NotEmpty(primary);
            Assert.Equal(primary, Contents(_replica.Store, family));
        }

        var (read, replicaRead) = (_primary.Get("agent", "a"), _replica.Get("agent", "a"));
        Assert.Equal((read.Version, read.CommitTs), (replicaRead.Version, replicaRead.CommitTs));
        Assert.Equal(read.Value, replicaRead.Value);
    }

    [Fact]
    public void Apply_AForkGroupFromTheLog_GivesTheReplicaThePrimarysBytes()
    {
        Replicate(
            Envelope(Operation.Write("run-1", "a", Value(1)), Operation.Write("run-1", "b", Value("two"))),
            Envelope(Operation.Write("run-2", "x", Value(3))));
        Replicate(
            Envelope(Operation.Delete("run-1", "a")),
            Envelope(Operation.Expect("run-2", "x", 1), Operation.Fork("run-2", "run-1", 1)));

        Assert.Equal(4, _replica.Store.LastCommitTs);
        Assert.True(_replica.Get("run-2", "a").Exists);
        Assert.False(_replica.Get("run-2", "x").Exists);
        foreach (var family in new[] { ColumnFamilyNames.State, ColumnFamilyNames.History, ColumnFamilyNames.Log, ColumnFamilyNames.AgentLog, ColumnFamilyNames.Inbox })
        {
            Assert.Equal(Contents(_primary.Store, family), Contents(_replica.Store, family));
        }
    }

    [Fact]
    public void Position_IsNoneForANewStore_AndSurvivesAReopen()
    {
        Assert.Equal(ReplicationPosition.None, _replica.Store.Position);
        var position = new ReplicationPosition(3, 17, 1234, 3, 16);

        new LogApplier(_replica.Store).Apply([], position);
        _replica.Reopen();

        Assert.Equal(position, _replica.Store.Position);
        Assert.Equal(0, _replica.Store.LastCommitTs);
    }

    [Fact]
    public void AdoptStoreId_TakesTheIdOnlyWhileTheStoreIsEmpty()
    {
        Assert.True(_replica.Store.IsEmpty);
        _replica.Store.AdoptStoreId(s_storeId);
        _replica.Reopen();
        Assert.Equal(s_storeId, _replica.Store.StoreId);

        _replica.Commit(Operation.Write("agent", "a", Value(1)));

        Assert.False(_replica.Store.IsEmpty);
        Assert.Throws<InvalidOperationException>(() => _replica.Store.AdoptStoreId(Guid.NewGuid()));
        Assert.Equal(s_storeId, _replica.Store.StoreId);
    }

    [Fact]
    public void Apply_ARecordWhoseChangeLacksItsFields_WritesNothing()
    {
        var damaged = new LogRecord(LogRecordKind.Group, 1, 1, 1, 1, s_storeId, "test", Guid.Empty,
            [new StoreChange(StoreChangeKind.PutRecord, Namespace: "default", AgentId: "agent", Key: null, Record: new StoredRecord(1, 1, false, Value(1)))]);
        var before = _replica.Store.SyncedWrites;

        Assert.Throws<ArgumentException>(() => new LogApplier(_replica.Store).Apply([damaged], new ReplicationPosition(1, 1, 0, 1, 0)));

        Assert.Equal(before, _replica.Store.SyncedWrites);
        Assert.Equal(ReplicationPosition.None, _replica.Store.Position);
    }

    [Fact]
    public void Apply_AMarker_IsRefused()
    {
        var marker = new LogRecord(LogRecordKind.Marker, 2, 0, 0, 0, s_storeId, "test", Guid.NewGuid(), null);

        Assert.Throws<InvalidOperationException>(() => new LogApplier(_replica.Store).Apply([marker], ReplicationPosition.None));
    }

    /// <summary>Decides a group on the primary, sends its record through the log's bytes, writes it there and applies it on the replica.</summary>
    private void Replicate(params CommitEnvelope[] envelopes)
    {
        var decided = _primary.Engine.Decide([.. envelopes.Select(Request)]);
        var record = new LogRecord(LogRecordKind.Group, 1, ++_seq, decided.FirstCommitTs, decided.LastCommitTs, s_storeId, "test",
            Guid.Empty, decided.Changes.Items);
        var sent = record.Serialize();
        var position = new ReplicationPosition(1, _seq, 0, 1, 0);
        _primary.Engine.Write(decided, position);
        new LogApplier(_replica.Store).Apply([LogRecord.Deserialize(sent)], position);
    }

    private static List<(string Key, string Value)> Contents(StateStore store, string family)
    {
        var handles = store.Handles;
        var contents = new List<(string, string)>();
        using var iterator = handles.Db.NewIterator(handles.Db.GetColumnFamily(family));
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            contents.Add((Convert.ToHexString(iterator.Key()), Convert.ToHexString(iterator.Value())));
        }

        return contents;
    }
}
