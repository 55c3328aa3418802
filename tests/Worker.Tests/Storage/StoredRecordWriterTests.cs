using RocksDbSharp;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>A record put in two parts (header, value) is stored with exactly the bytes of the one-piece serialization.</summary>
public sealed class StoredRecordWriterTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "statehouse-tests", Guid.NewGuid().ToString("N"));

    public static TheoryData<long, long, bool, int?> Records => new()
    {
        { 1, 1, false, 1 },
        { 2, 300, false, 0 },
        { 127, 128, false, 255 },
        { 65_536, 4_294_967_296, false, 70_000 },
        { long.MaxValue, long.MaxValue, false, (1 << 20) + 3 },
        { 3, 7, true, null },
    };

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Put_AnyRecord_StoresTheBytesOfStorageFormatSerialize(long version, long commitTs, bool deleted, int? valueBytes)
    {
        var value = valueBytes is { } length ? Enumerable.Range(0, length).Select(i => (byte)(i * 31)).ToArray() : null;
        var record = new StoredRecord(version, commitTs, deleted, value);
        var key = "agent/key"u8.ToArray();

        using (var store = StateStore.Open(_directory))
        {
            using var batch = new WriteBatch();
            StoredRecordWriter.Put(batch, store.State, key, StoredRecordWriter.Header(record), record.Value);
            store.WriteUnsynced(batch);
        }

        using var reopened = StateStore.Open(_directory);
        var stored = reopened.Get(reopened.State, key);
        Assert.Equal(StorageFormat.Serialize(record), stored);
        Assert.Equivalent(record, StorageFormat.Deserialize<StoredRecord>(stored), strict: true);
    }
}
