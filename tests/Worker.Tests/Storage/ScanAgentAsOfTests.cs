using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>
/// <see cref="StoreReader.ScanAgentAsOf"/> (what a fork copies): every key the agent had live right after a commit_ts,
/// written through <see cref="StoreBatch"/>, nothing of a neighbouring agent.
/// </summary>
public sealed class ScanAgentAsOfTests : IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ScanAgentAsOf_EachCommitTs_GivesTheLiveVersionsThen()
    {
        Write(1, ("a", 1, false, 10), ("b", 1, false, 20), ("a\0", 1, false, 99));
        Write(2, ("a", 2, true, 0), ("c", 1, false, 30));
        Write(3, ("b", 2, false, 21), ("a", 3, false, 12));
        Write(4, ("c", 2, true, 0));

        Assert.Equal([("a", 1L, 10), ("a\0", 1L, 99), ("b", 1L, 20)], Scan(1));
        Assert.Equal([("a\0", 1L, 99), ("b", 1L, 20), ("c", 1L, 30)], Scan(2));
        Assert.Equal([("a", 3L, 12), ("a\0", 1L, 99), ("b", 2L, 21), ("c", 1L, 30)], Scan(3));
        Assert.Equal([("a", 3L, 12), ("a\0", 1L, 99), ("b", 2L, 21)], Scan(4));
        Assert.Empty(Scan(0));
    }

    private List<(string Key, long Version, int Value)> Scan(long commitTs)
    {
        using var reader = StoreReader.OpenSnapshot(_temp.Store);
        return [.. reader.ScanAgentAsOf("ns", "agent", commitTs).Select(r => (r.Key, r.Record.Version, (int)r.Record.Value![0]))];
    }

    private void Write(long commitTs, params (string Key, long Version, bool Deleted, byte Value)[] records)
    {
        using var batch = new StoreBatch(_temp.Store);
        foreach (var (key, version, deleted, value) in records)
        {
            batch.PutRecord(RecordKey.Of("ns", "agent", key), new StoredRecord(version, commitTs, deleted, deleted ? null : [value]));
            // A neighbouring agent whose encoded prefix starts like this one's must never show up.
            batch.PutRecord(RecordKey.Of("ns", "agent\0x", key), new StoredRecord(version, commitTs, false, [0xEE]));
        }

        batch.WriteSynced(commitTs);
    }
}
