using System.Security.Cryptography;
using Statehouse.Contracts;
using Statehouse.Worker.Reads;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Reads;

public sealed class ReadServiceTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    private static ReadRequest Request(ReadKind kind, string agent = "agent", string key = "") =>
        new(WireFormat.SchemaVersion, kind, "default", agent, key);

    /// <summary>Every key (or agent) of a paged listing, following NextKey from <paramref name="first"/>, and the number of pages.</summary>
    private (List<string> Keys, int Pages) ReadKeyPages(ReadRequest first)
    {
        var keys = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var reply = Ok(_store.Read(first with { AfterKey = after }));
            keys.AddRange(reply.Keys!);
            after = reply.NextKey;
            pages++;
        }
        while (after is not null);

        return (keys, pages);
    }

    [Fact]
    public void Handle_DamagedTableFile_RepliesStorageErrorWithRocksDbsMessage()
    {
        var value = RandomNumberGenerator.GetBytes(4096);
        _store.Commit(Operation.Write("agent", "key", Value(value)));
        _store.DamageTableFilesHolding(value[..64]);

        var reply = _store.Read(Request(ReadKind.Get, key: "key"));

        Assert.Equal(ErrorCode.StorageError, reply.ErrorCode);
        Assert.StartsWith("read failed: Corruption: block checksum mismatch", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ListKeys_DamagedBlockMidRange_RepliesStorageError()
    {
        var values = Enumerable.Range(0, 120).Select(_ => RandomNumberGenerator.GetBytes(4096)).ToList();
        foreach (var chunk in values.Select((value, i) => Operation.Write("agent", $"key-{i:D4}", Value(value))).Chunk(10))
        {
            _store.Commit(chunk);
        }

        _store.DamageTableFilesHolding(values[60][..64]);

        var reply = _store.Read(Request(ReadKind.ListKeys) with { Limit = 1000 });

        Assert.Equal(ErrorCode.StorageError, reply.ErrorCode);
        Assert.StartsWith("read failed: Corruption: block checksum mismatch", reply.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_StepsOntoADamagedHistoryVersion_RepliesStorageError()
    {
        var values = Enumerable.Range(0, 40).Select(_ => RandomNumberGenerator.GetBytes(4096)).ToList();
        var commitTs = values.Select(value => _store.Commit(Operation.Write("agent", "key", Value(value))).CommitTs).ToList();
        _store.DamageTableFilesHolding(values[20][..64]);

        // The replay ends at the damaged version: its value is read by stepping the history iterator from the one before.
        var reply = _store.Read(Request(ReadKind.Replay) with { EndTs = commitTs[20] });

        Assert.Equal(ErrorCode.StorageError, reply.ErrorCode);
    }

    [Fact]
    public void ListKeys_ManyKeys_LexicographicAndPagedWithoutGapsOrRepeats()
    {
        var keys = Enumerable.Range(0, 250).Select(i => $"key-{i:D4}").Reverse().ToList();
        foreach (var chunk in keys.Chunk(50))
        {
            _store.Commit([.. chunk.Select(k => Operation.Write("agent", k, Value(k)))]);
        }

        var (seen, pages) = ReadKeyPages(Request(ReadKind.ListKeys) with { Limit = 100 });

        Assert.Equal(keys.Order(StringComparer.Ordinal), seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public void ListKeys_AgentWithLongerNamesAround_StopsAtAgentBoundary()
    {
        _store.Commit(
            Operation.Write("b", "c:d", Value(1)),
            Operation.Write("b:c", "d", Value(2)),
            Operation.Write("b:x", "k", Value(3)),
            Operation.Write("b\0", "k0", Value(4)),
            Operation.Write("a", "z", Value(5)));

        Assert.Equal(["c:d"], Ok(_store.Read(Request(ReadKind.ListKeys, "b"))).Keys!);
        Assert.Equal(["d"], Ok(_store.Read(Request(ReadKind.ListKeys, "b:c"))).Keys!);
        Assert.Equal(Value(1), _store.Get("b", "c:d").Value);
        Assert.Equal(Value(2), _store.Get("b:c", "d").Value);
    }

    [Fact]
    public void ListAgents_AgentsAroundTombstonesAndOtherNamespaces_ListsAgentsWithLiveRecordsPagedInOrder()
    {
        _store.Commit(
            Operation.Write("b", "k", Value(1)),
            Operation.Write("b:c", "k", Value(2)),
            Operation.Write("b\0", "k", Value(3)),
            Operation.Write("a", "gone", Value(4)),
            Operation.Write("a", "kept", Value(5)),
            Operation.Write("emptied", "k", Value(6)),
            Operation.Write("c", "k", Value(7)));
        _store.Commit(Operation.Delete("a", "gone"), Operation.Delete("emptied", "k"));
        _store.Apply(Envelope(Operation.Write("elsewhere", "k", Value(8))) with { Namespace = "other" });

        var (seen, pages) = ReadKeyPages(Request(ReadKind.ListAgents, agent: "") with { Limit = 2 });

        Assert.Equal(["a", "b", "b\0", "b:c", "c"], seen);
        Assert.Equal(3, pages);
        Assert.Equal(["b", "b\0", "b:c"], Ok(_store.Read(Request(ReadKind.ListAgents, agent: "") with { Prefix = "b" })).Keys!);
        Assert.Equal(["b:c"], Ok(_store.Read(Request(ReadKind.ListAgents, agent: "") with { Prefix = "b:" })).Keys!);
        Assert.Equal(["elsewhere"], Ok(_store.Read(Request(ReadKind.ListAgents, agent: "") with { Namespace = "other" })).Keys!);
        Assert.Empty(Ok(_store.Read(Request(ReadKind.ListAgents, agent: "") with { Namespace = "none" })).Keys!);
    }

    [Fact]
    public void ScanPrefix_MatchingKeysOnly_WithValuesAndPaging()
    {
        _store.Commit(
            Operation.Write("agent", "task:1", Value(1)),
            Operation.Write("agent", "task:2", Value(2)),
            Operation.Write("agent", "task:3", Value(3)),
            Operation.Write("agent", "tasks", Value(4)),
            Operation.Write("agent", "note", Value(5)));

        var first = Ok(_store.Read(Request(ReadKind.ScanPrefix) with { Prefix = "task:", Limit = 2 }));
        var second = Ok(_store.Read(Request(ReadKind.ScanPrefix) with { Prefix = "task:", Limit = 2, AfterKey = first.NextKey }));

        Assert.Equal(["task:1", "task:2"], first.Records!.Select(r => r.Key));
        Assert.Equal("task:2", first.NextKey);
        Assert.Equal(["task:3"], second.Records!.Select(r => r.Key));
        Assert.Null(second.NextKey);
        Assert.Equal(Value(3), second.Records![0].Value);
    }

    [Fact]
    public void Delete_Tombstone_ReadsAbsentLeavesListingsStaysInHistoryAndReplay()
    {
        _store.Commit(Operation.Write("agent", "a", Value(1)), Operation.Write("agent", "b", Value(2)));
        var deleted = _store.Commit(Operation.Delete("agent", "a"));

        var state = _store.Get("agent", "a");
        Assert.False(state.Exists);
        Assert.Equal(2, state.Version);
        Assert.Equal(["b"], Ok(_store.Read(Request(ReadKind.ListKeys))).Keys!);
        Assert.Equal(["b"], Ok(_store.Read(Request(ReadKind.ScanPrefix))).Records!.Select(r => r.Key));
        Assert.Equal(Value(1), Ok(_store.Read(Request(ReadKind.GetAtVersion, key: "a") with { Version = 1 })).Record!.Value);
        var events = Ok(_store.Read(Request(ReadKind.Replay))).Events!;
        Assert.Equal([1L, deleted.CommitTs], events.Select(e => e.CommitTs));
        var op = Assert.Single(events[1].Operations);
        Assert.Equal((OperationKind.Delete, 2L), (op.Kind, op.Version));
    }

    [Fact]
    public void GetAtVersionAndAsOf_History_ReturnsTheRightVersion()
    {
        _store.Commit(Operation.Write("agent", "k", Value("v1")));             // ts 1
        _store.Commit(Operation.Write("agent", "other", Value(0)));           // ts 2
        _store.Commit(Operation.Write("agent", "k", Value("v2")));             // ts 3

        Assert.Equal(Value("v2"), Ok(_store.Read(Request(ReadKind.GetAtVersion, key: "k") with { Version = 2 })).Record!.Value);
        Assert.Equal(ErrorCode.VersionNotFound, _store.Read(Request(ReadKind.GetAtVersion, key: "k") with { Version = 3 }).ErrorCode);
        Assert.False(Ok(_store.Read(Request(ReadKind.GetAsOf, key: "k") with { CommitTs = 0 })).Record!.Exists);
        Assert.Equal(1, Ok(_store.Read(Request(ReadKind.GetAsOf, key: "k") with { CommitTs = 2 })).Record!.Version);
        Assert.Equal(2, Ok(_store.Read(Request(ReadKind.GetAsOf, key: "k") with { CommitTs = 3 })).Record!.Version);
        // Beyond the last commit_ts the answer could still change: refused rather than guessed.
        var future = _store.Read(Request(ReadKind.GetAsOf, key: "k") with { CommitTs = 99 });
        Assert.Equal(ErrorCode.InvalidRequest, future.ErrorCode);
        Assert.Contains("beyond the last commit_ts 3", future.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_TransactionOverTwoAgents_ShowsOnlyTheAskedAgentsOperations()
    {
        _store.Commit(Operation.Write("alice", "x", Value(1)), Operation.Write("bob", "y", Value(2)), Operation.Write("alice", "z", Value(3)));

        var alice = Assert.Single(Ok(_store.Read(Request(ReadKind.Replay, "alice"))).Events!);
        var bob = Assert.Single(Ok(_store.Read(Request(ReadKind.Replay, "bob"))).Events!);

        Assert.Equal(["x", "z"], alice.Operations.Select(o => o.Key));
        Assert.Equal(["y"], bob.Operations.Select(o => o.Key));
        Assert.Equal(alice.TxnId, bob.TxnId);
        Assert.Equal(Value(3), alice.Operations[1].Value);
    }

    [Fact]
    public void Replay_Range_IsInclusiveAndPaged()
    {
        for (var i = 1; i <= 10; i++)
        {
            _store.Commit(Operation.Write(i % 2 == 0 ? "even" : "odd", "k", Value(i)));
        }

        var ranged = Ok(_store.Read(Request(ReadKind.Replay, "even") with { StartTs = 4, EndTs = 8 })).Events!;
        Assert.Equal([4L, 6L, 8L], ranged.Select(e => e.CommitTs));

        var page = Ok(_store.Read(Request(ReadKind.Replay, "odd") with { Limit = 2 }));
        Assert.Equal([1L, 3L], page.Events!.Select(e => e.CommitTs));
        Assert.Equal(5, page.NextStartTs);
        var rest = Ok(_store.Read(Request(ReadKind.Replay, "odd") with { StartTs = page.NextStartTs }));
        Assert.Equal([5L, 7L, 9L], rest.Events!.Select(e => e.CommitTs));
        Assert.Equal(0, rest.NextStartTs);
    }

    [Fact]
    public void Replay_EmptyAgent_ShowsTheNamespacesTransactionsWholeWithTheirAgentsOnly()
    {
        _store.Commit(Operation.Write("alice", "x", Value(1)), Operation.Write("bob", "y", Value(2)));
        _store.Apply(Envelope(Operation.Write("carol", "other", Value(9))) with { Namespace = "elsewhere" });
        _store.Commit(Operation.Delete("alice", "x"));

        var reply = Ok(_store.Read(Request(ReadKind.Replay, agent: "")));

        Assert.Equal([1L, 3L], reply.Events!.Select(e => e.CommitTs));
        Assert.All(reply.Events!, e => Assert.Equal("", e.AgentId));
        Assert.Equal([("alice", "x", OperationKind.Write), ("bob", "y", OperationKind.Write)],
            reply.Events![0].Operations.Select(o => (o.AgentId, o.Key, o.Kind)));
        Assert.Equal(Value(2), reply.Events![0].Operations[1].Value);
        var deleted = Assert.Single(reply.Events![1].Operations);
        Assert.Equal(("alice", OperationKind.Delete, 2L), (deleted.AgentId, deleted.Kind, deleted.Version));
        Assert.Null(deleted.Value);
        // An agent's replay leaves the operations' agent out: it is the agent asked for.
        Assert.All(Ok(_store.Read(Request(ReadKind.Replay, "alice"))).Events!, e => Assert.All(e.Operations, o => Assert.Null(o.AgentId)));
    }

    [Fact]
    public void Replay_EmptyAgentOverManyOtherNamespaces_EndsAPageAtTheScanLimitAndContinuesWithoutLoss()
    {
        var others = Enumerable.Range(0, ReadService.NamespaceScanLimit + 5)
            .Select(i => Envelope(Operation.Write("agent", "k" + (i % 50), Value(i))) with { Namespace = "busy" })
            .Chunk(500);
        _store.Commit(Operation.Write("agent", "first", Value(1)));
        foreach (var chunk in others)
        {
            _store.Apply(chunk);
        }

        var last = _store.Commit(Operation.Write("agent", "last", Value(2))).CommitTs;

        var first = Ok(_store.Read(Request(ReadKind.Replay, agent: "") with { Limit = 10 }));
        Assert.Equal([1L], first.Events!.Select(e => e.CommitTs));
        Assert.Equal(ReadService.NamespaceScanLimit + 1, first.NextStartTs);
        var rest = Ok(_store.Read(Request(ReadKind.Replay, agent: "") with { StartTs = first.NextStartTs, Limit = 10 }));
        Assert.Equal([last], rest.Events!.Select(e => e.CommitTs));
        Assert.Equal(0, rest.NextStartTs);
    }

    [Fact]
    public void Replay_RecordsWrittenManyTimes_EachEventCarriesTheValueItWrote()
    {
        // Several versions per record, a delete leaving a gap in the versions a replay reads, a neighbouring agent's
        // history between them, and more records than the replay keeps history iterators for.
        var envelopes = new List<CommitEnvelope>();
        for (var i = 0; i < 400; i++)
        {
            var key = "k" + (i % 100);
            var own = i == 250 ? Operation.Delete("agent", key) : Operation.Write("agent", key, Value(i));
            envelopes.Add(Envelope(own, Operation.Write("agent-2", key, Value(-i))));
        }

        var replies = _store.Apply([.. envelopes]).Outcomes.Select(o => o.Reply).ToList();
        var events = Ok(_store.Read(Request(ReadKind.Replay) with { Limit = 1000 })).Events!;

        var expected = envelopes.Select((e, i) => (replies[i].CommitTs, e.Operations[0].Key, Hex(e.Operations[0].Value)));
        Assert.Equal(expected, events.Select(e => (e.CommitTs, Assert.Single(e.Operations).Key, Hex(e.Operations[0].Value))));
    }

    private static string? Hex(byte[]? value) => value is null ? null : Convert.ToHexString(value);

    [Fact]
    public void Handle_GarbageOrWrongSchema_ReturnsInvalidRequest()
    {
        Assert.Equal(ErrorCode.InvalidRequest, _store.Reads.Handle(new byte[] { 0xC1 }).ErrorCode);
        Assert.Equal(ErrorCode.InvalidRequest, _store.Read(Request(ReadKind.Get, key: "k") with { SchemaVersion = 99 }).ErrorCode);
        Assert.Equal(ErrorCode.InvalidRequest, _store.Read(Request(ReadKind.Get, agent: "")).ErrorCode);
    }

    [Fact]
    public void ScanAndReplay_ValuesOverPageBytes_EndPagesEarlyAndContinueWithoutLoss()
    {
        var small = new TempStore();
        try
        {
            var reads = new Statehouse.Worker.Reads.ReadService(small.Store, new Statehouse.Worker.Reads.ReadServiceOptions { MaxPageBytes = 2048 }, new Statehouse.Worker.Telemetry.WorkerHealth(),
                NoAuthorization, NewCounters());
            for (var i = 0; i < 10; i++)
            {
                small.Commit(Operation.Write("agent", $"k{i}", Value(new string('x', 900))));
            }

            var keys = new List<string>();
            string? after = null;
            var pages = 0;
            do
            {
                var page = Ok(reads.Handle(Request(ReadKind.ScanPrefix) with { Limit = 1000, AfterKey = after }));
                Assert.InRange(page.Records!.Count, 1, 3);
                keys.AddRange(page.Records!.Select(r => r.Key));
                after = page.NextKey;
                pages++;
            }
            while (after is not null);

            var replay = Ok(reads.Handle(Request(ReadKind.Replay) with { Limit = 1000 }));

            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"k{i}"), keys);
            Assert.True(pages >= 4, $"{pages} pages");
            Assert.InRange(replay.Events!.Count, 1, 3);
            Assert.Equal(replay.Events!.Count + 1, replay.NextStartTs);
        }
        finally
        {
            small.Dispose();
        }
    }
}
