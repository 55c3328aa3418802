using RocksDbSharp;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>The checks before an open, and how RocksDB's open errors read to the worker.</summary>
public sealed class StoreOpenCheckTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string StorePath => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void HoldsStore_MissingThenEmptyThenStoreDirectory_FalseFalseTrue()
    {
        var missing = StoreOpenCheck.HoldsStore(StorePath);
        Directory.CreateDirectory(StorePath);
        var empty = StoreOpenCheck.HoldsStore(StorePath);
        StateStore.Open(StorePath).Dispose();

        Assert.Equal((false, false, true), (missing, empty, StoreOpenCheck.HoldsStore(StorePath)));
    }

    [Fact]
    public void BeforeOpen_RocksDbStoreWithoutTheSchemasColumnFamilies_RefusesNamingThem()
    {
        using (RocksDb.Open(new DbOptions().SetCreateIfMissing(true), StorePath))
        {
        }

        var error = Assert.Throws<StoreOpenException>(() => StoreOpenCheck.BeforeOpen(new DbOptions(), StorePath));

        Assert.Contains("lacks column families state, history, log, agent_log, inbox, meta", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(StorageFormat.SchemaVersion + 1)]
    public void Open_OtherSchemaVersionLackingAColumnFamily_RefusesNamingTheSchemaVersions(long version)
    {
        StateStore.Open(StorePath).Dispose();
        ChangeStore(db =>
        {
            db.Put("schema_version"u8.ToArray(), BigEndian(version), db.GetColumnFamily(ColumnFamilyNames.Meta), new WriteOptions().SetSync(true));
            db.DropColumnFamily(ColumnFamilyNames.AgentLog);
        });

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(StorePath));

        Assert.Equal($"The store at '{StorePath}' has schema version {version}; this worker reads version {StorageFormat.SchemaVersion}.", error.Message);
    }

    [Fact]
    public void Open_NewerSchemaVersionWithAnUnknownColumnFamily_RefusesNamingTheSchemaVersions()
    {
        StateStore.Open(StorePath).Dispose();
        ChangeStore(db =>
        {
            db.Put("schema_version"u8.ToArray(), BigEndian(StorageFormat.SchemaVersion + 1), db.GetColumnFamily(ColumnFamilyNames.Meta), new WriteOptions().SetSync(true));
            db.CreateColumnFamily(new ColumnFamilyOptions(), "future_index");
        });

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(StorePath));

        Assert.Equal($"The store at '{StorePath}' has schema version {StorageFormat.SchemaVersion + 1}; this worker reads version {StorageFormat.SchemaVersion}.", error.Message);
    }

    [Fact]
    public void Open_TodaysSchemaVersionLackingAColumnFamily_RefusesAsDamaged()
    {
        StateStore.Open(StorePath).Dispose();
        ChangeStore(db => db.DropColumnFamily(ColumnFamilyNames.AgentLog));

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(StorePath));

        Assert.Equal($"The store at '{StorePath}' lacks column families agent_log: it is not a Statehouse store or it is damaged. Refusing to open it.", error.Message);
    }

    [Fact]
    public void BeforeOpen_StoreHeldByAnotherHandle_ThrowsStoreLocked()
    {
        using var holder = StateStore.Open(StorePath);

        var error = Assert.Throws<StoreLockedException>(() => StoreOpenCheck.BeforeOpen(new DbOptions(), StorePath));

        Assert.Contains($"The store at '{StorePath}' is in use by another process (its LOCK is held)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenFailed_LockHeldByThisProcess_IsStoreLocked()
    {
        using var holder = StateStore.Open(StorePath);
        var refused = Assert.Throws<RocksDbException>(() => RocksDb.Open(new DbOptions(), StorePath, StateStore.AllFamilies()));

        var error = StoreOpenCheck.OpenFailed(StorePath, refused);

        Assert.IsType<StoreLockedException>(error);
        Assert.Contains("in use by another process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenFailed_ManifestMissing_IsStoreOpenWithTheDamagedStoreMessage()
    {
        StateStore.Open(StorePath).Dispose();
        foreach (var manifest in Directory.GetFiles(StorePath, "MANIFEST-*"))
        {
            File.Delete(manifest);
        }

        var refused = Assert.Throws<RocksDbException>(() => RocksDb.Open(new DbOptions(), StorePath, StateStore.AllFamilies()));

        var error = StoreOpenCheck.OpenFailed(StorePath, refused);

        Assert.IsType<StoreOpenException>(error);
        Assert.StartsWith($"The store at '{StorePath}' is damaged: RocksDB reports \"", error.Message, StringComparison.Ordinal);
        Assert.Contains("statehouse restore", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Changes the closed store at <see cref="StorePath"/> through bare RocksDB, every column family open.</summary>
    [Fact]
    public void Open_SchemaVersion1_UpgradesTo2KeepingTheData()
    {
        using (var store = StateStore.Open(StorePath))
        {
            using var batch = new StoreBatch(store);
            batch.PutRecord(RecordKey.Of("ns", "agent", "k"), new StoredRecord(1, 1, false, [7]));
            batch.AppendLog(1, new LogEntry("txn-1", "ns", [new LoggedOperation("agent", "k", Contracts.OperationKind.Write, 1)]));
            batch.WriteSynced(1);
        }

        ChangeStore(db => db.Put("schema_version"u8.ToArray(), BigEndian(1), db.GetColumnFamily(ColumnFamilyNames.Meta), new WriteOptions().SetSync(true)));

        using (var upgraded = StateStore.Open(StorePath))
        {
            using var reader = StoreReader.OpenLatest(upgraded);
            Assert.Equal([7], reader.GetRecord("ns", "agent", "k")!.Value!);
            Assert.Equal((1L, 0L), (upgraded.LastCommitTs, reader.GetHorizon("ns")));
        }

        Assert.Equal(2, StorageFormat.SchemaVersion);
        Assert.Equal(2L, StoreMeta.ReadSchemaVersion(StorePath));
    }

    private void ChangeStore(Action<RocksDb> change)
    {
        using var db = RocksDb.Open(new DbOptions(), StorePath, StateStore.AllFamilies());
        change(db);
    }

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }
}
