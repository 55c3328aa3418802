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

        using (var store = StateStore.Open(_directory))
        {
            // StoreBatch.PutRecord puts the record with StoredRecordWriter into state and history.
            using var batch = new StoreBatch(store);
            batch.PutRecord(RecordKey.Of("ns", "agent", "key"), record);
            batch.WriteUnsynced();
        }

        using var db = RocksDb.OpenReadOnly(new DbOptions(), _directory, StateStore.AllFamilies(), false);
        var stateKey = KeyCodec.StateKey("ns", "agent", "key");
        var stored = db.Get(stateKey, db.GetColumnFamily(ColumnFamilyNames.State));
        Assert.Equal(StorageFormat.Serialize(record), stored);
        Assert.Equal(stored, db.Get(KeyCodec.HistoryKey(stateKey, version), db.GetColumnFamily(ColumnFamilyNames.History)));
        Assert.Equivalent(record, StorageFormat.Deserialize<StoredRecord>(stored), strict: true);
    }
}
