using System.Buffers.Binary;
using RocksDbSharp;
using Statehouse.Contracts;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>The meta records (schema version, last commit_ts, store id) as an open checks them.</summary>
public sealed class StoreMetaTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string StorePath => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Open_OtherSchemaVersion_RefusesNamingBothVersions()
    {
        StateStore.Open(StorePath).Dispose();
        ChangeMeta(db => db.Put("schema_version"u8.ToArray(), Int64(3), db.GetColumnFamily(ColumnFamilyNames.Meta)));

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(StorePath));

        Assert.Contains("has schema version 3; this worker reads version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_LastCommitTsBeyondTheLog_RefusesAsInconsistent()
    {
        StateStore.Open(StorePath).Dispose();
        ChangeMeta(db => db.Put("last_commit_ts"u8.ToArray(), Int64(5), db.GetColumnFamily(ColumnFamilyNames.Meta)));

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(StorePath));

        Assert.Contains("meta says last commit_ts 5 but the log ends at 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_StoreIdNotSixteenBytes_RefusesAsDamaged()
    {
        StateStore.Open(StorePath).Dispose();
        ChangeMeta(db => db.Put("store_id"u8.ToArray(), new byte[] { 1, 2, 3 }, db.GetColumnFamily(ColumnFamilyNames.Meta)));

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(StorePath));

        Assert.Contains("damaged store id (3 bytes instead of 16)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SchemaVersionMissingBesideLastCommitTs_RefusesWithoutValidMetaRecords()
    {
        StateStore.Open(StorePath).Dispose();
        ChangeMeta(db => db.Remove("schema_version"u8.ToArray(), db.GetColumnFamily(ColumnFamilyNames.Meta)));

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(StorePath));

        Assert.Contains("has no valid meta records", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NoMetaRecordsAndNothingCommitted_WritesThemInOneSyncedWrite()
    {
        StateStore.Open(StorePath).Dispose();
        ChangeMeta(db =>
        {
            foreach (var key in new[] { "schema_version"u8.ToArray(), "last_commit_ts"u8.ToArray(), "store_id"u8.ToArray() })
            {
                db.Remove(key, db.GetColumnFamily(ColumnFamilyNames.Meta));
            }
        });

        Guid id;
        using (var recovered = StateStore.Open(StorePath))
        {
            Assert.Equal((0, 1), (recovered.LastCommitTs, recovered.SyncedWrites));
            id = recovered.StoreId;
        }

        using var reopened = StateStore.Open(StorePath);
        Assert.NotEqual(Guid.Empty, id);
        Assert.Equal((id, 0L), (reopened.StoreId, reopened.LastCommitTs));
    }

    [Fact]
    public void ReadLastCommitTs_CheckpointOfAStore_IsTheStoresLastCommitTs()
    {
        using var source = new TempStore();
        source.Commit(Operation.Write("agent", "k", Value(1)));
        source.Commit(Operation.Write("agent", "k", Value(2)));
        using (source.Store.EnterRead())
        {
            source.Store.Checkpoint(StorePath);
        }

        Assert.Equal(2, StoreMeta.ReadLastCommitTs(StorePath));
    }

    [Fact]
    public void ReadLastCommitTs_NoLastCommitTsRecord_ThrowsStoreOpenException()
    {
        StateStore.Open(StorePath).Dispose();
        ChangeMeta(db => db.Remove("last_commit_ts"u8.ToArray(), db.GetColumnFamily(ColumnFamilyNames.Meta)));

        var error = Assert.Throws<StoreOpenException>(() => StoreMeta.ReadLastCommitTs(StorePath));

        Assert.Contains("has no last commit_ts record", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Changes the closed store's records with a plain RocksDB handle, as damage or an older worker would have.</summary>
    private void ChangeMeta(Action<RocksDb> change)
    {
        using var db = RocksDb.Open(new DbOptions(), StorePath, StateStore.AllFamilies());
        change(db);
    }
}
