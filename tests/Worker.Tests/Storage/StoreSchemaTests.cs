using Microsoft.Extensions.Time.Testing;
using Statehouse.Contracts;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>
/// The writer and the readers of the schema agree, in process: whatever <see cref="StoreBatch"/> writes,
/// <see cref="StoreReader"/> (and the inbox pruner) read back as written, and nothing of a neighbouring identity.
/// </summary>
public sealed class StoreSchemaTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "statehouse-tests", Guid.NewGuid().ToString("N"));
    private StateStore _store;

    public StoreSchemaTests() => _store = StateStore.Open(_directory);

    public void Dispose()
    {
        _store.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void GetRecord_VersionsPutThroughBatch_ReadsTheLatestAndEveryVersionFromHistory()
    {
        Write(1, batch => batch.PutRecord(RecordKey.Of("ns", "agent", "k"), new StoredRecord(1, 1, false, [1])));
        Write(2, batch => batch.PutRecord(RecordKey.Of("ns", "agent", "k"), new StoredRecord(2, 2, true, null)));

        using var reader = StoreReader.OpenLatest(_store);

        Assert.Equal(new StoredRecord(2, 2, true, null), reader.GetRecord("ns", "agent", "k"));
        Assert.Equal([1], reader.GetHistory("ns", "agent", "k", 1)!.Value);
        Assert.True(reader.GetHistory("ns", "agent", "k", 2)!.Deleted);
        Assert.Null(reader.GetHistory("ns", "agent", "k", 3));
        Assert.Null(reader.GetRecord("ns", "agent", "other"));
        Assert.Null(reader.GetRecord("other-ns", "agent", "k"));
    }

    [Fact]
    public void GetRecordAsOf_VersionsAtSeveralCommitTs_ReturnsTheNewestAtOrBeforeIt()
    {
        Write(1, batch => batch.PutRecord(RecordKey.Of("ns", "agent", "k"), new StoredRecord(1, 2, false, [1])));
        Write(2, batch => batch.PutRecord(RecordKey.Of("ns", "agent", "k"), new StoredRecord(2, 5, false, [2])));
        // A neighbour whose history sorts right after k's must not be taken for k's.
        Write(3, batch => batch.PutRecord(RecordKey.Of("ns", "agent", "k\0"), new StoredRecord(1, 1, false, [9])));

        using var reader = StoreReader.OpenSnapshot(_store);

        Assert.Null(reader.GetRecordAsOf("ns", "agent", "k", 1));
        Assert.Equal(1, reader.GetRecordAsOf("ns", "agent", "k", 4)!.Version);
        Assert.Equal(2, reader.GetRecordAsOf("ns", "agent", "k", 5)!.Version);
        Assert.Equal(2, reader.GetRecordAsOf("ns", "agent", "k", long.MaxValue)!.Version);
    }

    [Fact]
    public void ScanKeys_NeighbouringAgentsAndTombstones_ListsOnlyTheAgentsLiveKeysInOrderAfterTheGivenKey()
    {
        Write(1, batch =>
        {
            foreach (var (agent, key) in new[] { ("b", "task:2"), ("b", "task:1"), ("b", "tasks"), ("b", "note"), ("b", "task:3"),
                ("b:c", "task:0"), ("b\0", "task:0"), ("bb", "task:0"), ("a", "task:9") })
            {
                batch.PutRecord(RecordKey.Of("ns", agent, key), new StoredRecord(1, 1, false, [(byte)key[^1]]));
            }

            batch.PutRecord(RecordKey.Of("ns", "b", "task:4"), new StoredRecord(2, 1, true, null));
        });

        using var reader = StoreReader.OpenSnapshot(_store);

        Assert.Equal(["note", "task:1", "task:2", "task:3", "tasks"], reader.ScanKeys("ns", "b", "", null).Select(r => r.Key));
        Assert.Equal(["task:1", "task:2", "task:3"], reader.ScanKeys("ns", "b", "task:", null).Select(r => r.Key));
        Assert.Equal(["task:3"], reader.ScanKeys("ns", "b", "task:", "task:2").Select(r => r.Key));
        Assert.Equal(["task:1", "task:2", "task:3"], reader.ScanKeys("ns", "b", "task:", "a").Select(r => r.Key));
        Assert.Equal([(byte)'2'], reader.ScanKeys("ns", "b", "task:2", null).Single().Record.Value!);
        Assert.Empty(reader.ScanKeys("ns", "b", "task:4", null));
        Assert.Equal(["task:0"], reader.ScanKeys("ns", "b:c", "", null).Select(r => r.Key));
    }

    [Fact]
    public void ReadAgentLog_TransactionsOverSeveralAgents_EachAgentReadsOnlyItsOperationsWithinTheRange()
    {
        for (var commitTs = 1L; commitTs <= 4; commitTs++)
        {
            var ts = commitTs;
            Write(commitTs, batch => batch.AppendLog(ts, new LogEntry($"txn-{ts}", "ns",
            [
                new LoggedOperation("alice", "a", OperationKind.Write, ts),
                new LoggedOperation(ts % 2 == 0 ? "bob" : "alice:x", "b", OperationKind.Delete, ts),
                new LoggedOperation("alice", "c", OperationKind.Write, ts),
            ])));
        }

        Write(5, batch => batch.AppendLog(5, new LogEntry("txn-5", "other-ns", [new LoggedOperation("alice", "a", OperationKind.Write, 5)])));
        using var reader = StoreReader.OpenSnapshot(_store);

        var alice = reader.ReadAgentLog("ns", "alice", 0, long.MaxValue).ToList();
        var bob = reader.ReadAgentLog("ns", "bob", 0, long.MaxValue).ToList();

        Assert.Equal([1L, 2L, 3L, 4L], alice.Select(e => e.CommitTs));
        Assert.All(alice, e => Assert.Equal(["a", "c"], e.Entry.Operations.Select(o => o.Key)));
        Assert.Equal([(2L, "txn-2"), (4L, "txn-4")], bob.Select(e => (e.CommitTs, e.Entry.TxnId)));
        Assert.Equal((OperationKind.Delete, 2L), (bob[0].Entry.Operations.Single().Kind, bob[0].Entry.Operations.Single().Version));
        Assert.Equal([2L, 3L], reader.ReadAgentLog("ns", "alice", 2, 3).Select(e => e.CommitTs));
        Assert.Equal([1L, 3L], reader.ReadAgentLog("ns", "alice:x", 0, long.MaxValue).Select(e => e.CommitTs));
        Assert.Equal([5L], reader.ReadAgentLog("other-ns", "alice", 0, long.MaxValue).Select(e => e.CommitTs));
    }

    [Fact]
    public void FindReply_RepliesRecordedAndDeletedThroughBatch_ReadsWhatTheInboxHolds()
    {
        var first = new InboxEntry(10, [0xC0], "ns", [1, 2, 3], 20);
        var second = new InboxEntry(11, [0xC3], null);
        Write(1, batch =>
        {
            batch.RecordReply("txn-1", first);
            batch.RecordReply("txn-é-🔑", second);
            batch.RecordReply("txn-3", second);
        });
        Write(1, batch => batch.DeleteReply("txn-3"));

        using var reader = StoreReader.OpenSnapshot(_store);

        Assert.Equivalent(first, reader.FindReply("txn-1"), strict: true);
        Assert.Equivalent(second, reader.FindReply("txn-é-🔑"), strict: true);
        Assert.Null(reader.FindReply("txn-3"));
        Assert.Null(reader.FindReply("txn-"));
        Assert.Equal(["txn-1", "txn-é-🔑"], reader.ReadInbox().Select(r => r.TxnId));
    }

    [Fact]
    public void PruneOnce_RepliesRecordedThroughBatch_RemovesExactlyThoseOldEnoughAndPastTheirDeadline()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        Write(1, batch =>
        {
            batch.RecordReply("old-expired", new InboxEntry(1_000, [0xC0], "ns", null, 2_000));
            batch.RecordReply("old-pending", new InboxEntry(1_000, [0xC0], "ns", null, 2_000_000));
            batch.RecordReply("new-expired", new InboxEntry(999_000, [0xC0], "ns", null, 2_000));
            batch.RecordReply("old-legacy", new InboxEntry(1_000, [0xC0]));
        });

        var pruned = new InboxPruner(_store, time, TimeSpan.FromSeconds(10)).PruneOnce();

        using var reader = StoreReader.OpenSnapshot(_store);
        Assert.Equal(2, pruned);
        Assert.Equal(["new-expired", "old-pending"], reader.ReadInbox().Select(r => r.TxnId));
    }

    [Fact]
    public void OpenSnapshot_WritesAfterOpening_AreSeenOnlyByALatestReader()
    {
        using var snapshot = StoreReader.OpenSnapshot(_store);
        Write(1, batch =>
        {
            batch.PutRecord(RecordKey.Of("ns", "agent", "k"), new StoredRecord(1, 1, false, [1]));
            batch.RecordReply("txn-1", new InboxEntry(1, [0xC0]));
        });
        using var latest = StoreReader.OpenLatest(_store);

        Assert.Null(snapshot.GetRecord("ns", "agent", "k"));
        Assert.Null(snapshot.FindReply("txn-1"));
        Assert.Empty(snapshot.ScanKeys("ns", "agent", "", null));
        Assert.NotNull(latest.GetRecord("ns", "agent", "k"));
        Assert.NotNull(latest.FindReply("txn-1"));
    }

    [Fact]
    public void WriteSynced_NewLastCommitTs_IsTheStoresAndSurvivesReopen()
    {
        Write(1, batch => batch.AppendLog(1, new LogEntry("txn-1", "ns", [new LoggedOperation("agent", "k", OperationKind.Write, 1)])));
        Write(1, batch => batch.RecordReply("txn-1", new InboxEntry(1, [0xC0])));
        var beforeReopen = _store.LastCommitTs;
        _store.Dispose();
        _store = StateStore.Open(_directory);

        using var reader = StoreReader.OpenLatest(_store);
        Assert.Equal((1L, 1L), (beforeReopen, _store.LastCommitTs));
        Assert.Equal([1L], reader.ReadAgentLog("ns", "agent", 0, long.MaxValue).Select(e => e.CommitTs));
    }

    /// <summary>Stages changes in one batch and writes it synced with <paramref name="lastCommitTs"/>, as a commit does.</summary>
    [Theory]
    [InlineData(700, 1L)]   // the first entry is new enough
    [InlineData(1_000, 2L)] // entry 1 (800) is older; the untimed run 2-3 comes before entry 4 (1,000, new enough): it may be too
    [InlineData(1_050, 5L)] // entry 4 (1,000) is older, so the untimed run before it is older too; entry 5 (1,100) is not
    [InlineData(5_000, 5L)] // nothing that new: the last entry
    public void FindFirstCommitSince_UntimedSchema1Entries_CountAsNoLaterThanTheNextTimedOne(long cutoffUnixMs, long expected)
    {
        long[] committedAt = [800, 0, 0, 1_000, 1_100];
        for (var ts = 1; ts <= committedAt.Length; ts++)
        {
            var at = committedAt[ts - 1];
            Write(ts, batch => batch.AppendLog(ts, new LogEntry($"txn-{ts}", "ns", [new LoggedOperation("agent", "k", OperationKind.Write, ts)], at)));
        }

        using var reader = StoreReader.OpenSnapshot(_store);

        Assert.Equal(expected, reader.FindFirstCommitSince(1, cutoffUnixMs));
    }

    [Fact]
    public void GetHorizon_SetThroughBatch_ReadsBackPerNamespace()
    {
        using (var batch = new StoreBatch(_store))
        {
            batch.SetHorizon("ns", 42);
            batch.SetHorizon("ns\0x", 7);
            batch.WriteHousekeepingSynced();
        }

        using var reader = StoreReader.OpenSnapshot(_store);

        Assert.Equal((42L, 7L, 0L), (reader.GetHorizon("ns"), reader.GetHorizon("ns\0x"), reader.GetHorizon("n")));
    }

    private void Write(long lastCommitTs, Action<StoreBatch> stage)
    {
        using var batch = new StoreBatch(_store);
        stage(batch);
        batch.WriteSynced(lastCommitTs);
    }
}
