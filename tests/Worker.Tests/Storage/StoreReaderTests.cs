using System.Security.Cryptography;
using Statehouse.Contracts;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>
/// What leaves <see cref="StoreReader"/> when RocksDB fails a read: the storage layer's own exception, also when a scan
/// meets a damaged block in the middle of its range (never a shorter answer).
/// </summary>
public sealed class StoreReaderTests : IDisposable
{
    private const int Keys = 120;
    private const int Versions = 40;

    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void GetRecord_DamagedTableFile_ThrowsStorageReadExceptionWithRocksDbsMessage()
    {
        var value = RandomNumberGenerator.GetBytes(4096);
        _store.Commit(Operation.Write("agent", "key", Value(value)));
        _store.DamageTableFilesHolding(value[..64]);
        using var reader = StoreReader.OpenLatest(_store.Store);

        var error = Assert.Throws<StorageReadException>(() => reader.GetRecord("default", "agent", "key"));

        Assert.StartsWith("Corruption: block checksum mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScanKeys_DamagedBlockMidRange_ThrowsStorageReadException()
    {
        var values = WriteKeys(Keys);
        _store.DamageTableFilesHolding(values[Keys / 2][..64]);
        using var reader = StoreReader.OpenSnapshot(_store.Store);

        var error = Assert.Throws<StorageReadException>(() => reader.ScanKeys("default", "agent", "", null).ToList());

        Assert.StartsWith("Corruption: block checksum mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetHistory_StepsOntoADamagedVersion_ThrowsStorageReadException()
    {
        var values = WriteVersions(Versions);
        _store.DamageTableFilesHolding(values[Versions / 2][..64]);
        using var reader = StoreReader.OpenSnapshot(_store.Store);

        // Version 1 is a point lookup, each next one a step of the same iterator (HistoryReader).
        Assert.Throws<StorageReadException>(() =>
        {
            for (var version = 1L; version <= Versions; version++)
            {
                if (reader.GetHistory("default", "agent", "key", version) is null)
                {
                    return;
                }
            }
        });
    }

    [Fact]
    public void GetRecordAsOf_WalksBackOverADamagedVersion_ThrowsStorageReadException()
    {
        var values = WriteVersions(Versions);
        _store.DamageTableFilesHolding(values[Versions / 2][..64]);
        using var reader = StoreReader.OpenSnapshot(_store.Store);

        Assert.Throws<StorageReadException>(() => reader.GetRecordAsOf("default", "agent", "key", commitTs: 1));
    }

    /// <summary>Keys <c>key-0000</c>… of "agent", each with 4 KiB of random bytes (about a table block each).</summary>
    private List<byte[]> WriteKeys(int count)
    {
        var values = Enumerable.Range(0, count).Select(_ => RandomNumberGenerator.GetBytes(4096)).ToList();
        for (var i = 0; i < count; i += 10)
        {
            _store.Commit([.. Enumerable.Range(i, Math.Min(10, count - i)).Select(k => Operation.Write("agent", $"key-{k:D4}", Value(values[k])))]);
        }

        return values;
    }

    /// <summary>Versions 1… of "agent"/"key", one transaction each (commit_ts 1…), each 4 KiB of random bytes.</summary>
    private List<byte[]> WriteVersions(int count)
    {
        var values = Enumerable.Range(0, count).Select(_ => RandomNumberGenerator.GetBytes(4096)).ToList();
        foreach (var value in values)
        {
            _store.Commit(Operation.Write("agent", "key", Value(value)));
        }

        return values;
    }
}
