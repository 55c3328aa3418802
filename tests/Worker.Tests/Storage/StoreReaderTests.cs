using System.Security.Cryptography;
using Statehouse.Contracts;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>What leaves <see cref="StoreReader"/> when RocksDB fails a read: the storage layer's own exception.</summary>
public sealed class StoreReaderTests : IDisposable
{
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
}
