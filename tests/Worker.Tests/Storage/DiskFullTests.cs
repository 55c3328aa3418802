using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Storage;

public sealed class DiskFullTests : IDisposable
{
    private readonly SmallFilesystem _disk = new(megabytes: 16);

    public void Dispose() => _disk.Dispose();

    [Fact]
    public void Apply_DiskFull_FailsWithoutCommittingAndRecoversAfterReopenExactlyOnce()
    {
        var path = Path.Combine(_disk.MountPoint, "store");
        using var store = StateStore.Open(path);
        // The clock the envelopes' deadlines are set against (TempStore.EnvelopeWithId).
        var engine = new CommitEngine(store, new LimitOptions(), new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start), NoAuthorization);
        var reads = new Statehouse.Worker.Reads.ReadService(store, new Statehouse.Worker.Reads.ReadServiceOptions(), new WorkerHealth(),
            NoAuthorization, NewCounters());
        engine.Apply([Request(EnvelopeWithId("before", Operation.Write("a", "k", Value(1))))]);

        _disk.Fill();
        // RocksDB preallocates WAL space, so the first groups after the disk filled up may still fit: write until one fails.
        List<CommitRequest>? failed = null;
        for (var group = 0; group < 10_000 && failed is null; group++)
        {
            var requests = Enumerable.Range(0, 20)
                .Select(i => Request(EnvelopeWithId($"g{group}-{i}", Operation.Write($"g{group}", $"k{i}", Value(new string('x', 4000))))))
                .ToList();
            try
            {
                engine.Apply(requests);
            }
            catch (StorageWriteException)
            {
                failed = requests;
            }
        }

        Assert.NotNull(failed);
        var committedBefore = store.LastCommitTs;
        var failedAgent = WireFormat.Deserialize<CommitEnvelope>(failed[0].Body).Operations[0].AgentId;

        Assert.Equal(committedBefore, store.LastCommitTs);
        Assert.False(Get(reads, failedAgent, "k0").Exists);

        _disk.Free();
        Assert.True(engine.TryRecoverStorage(out var error), error);
        Assert.False(Get(reads, failedAgent, "k0").Exists);
        var result = engine.Apply(failed);
        var again = engine.Apply(failed);

        Assert.Equal(20, result.Committed);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => committedBefore + i), result.Outcomes.Select(o => o.Reply.CommitTs));
        Assert.All(again.Outcomes, o => Assert.True(o.Duplicate));
        Assert.Equal(committedBefore + 20, store.LastCommitTs);
        Assert.Equal(1, Get(reads, failedAgent, "k19").Version);
        Assert.Equal(1, Get(reads, "a", "k").Version);
    }

    private static StateRecord Get(Statehouse.Worker.Reads.ReadService reads, string agent, string key) =>
        reads.Handle(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, "default", agent, key)).Record!;
}
