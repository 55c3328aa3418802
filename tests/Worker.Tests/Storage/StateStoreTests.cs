using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

public sealed class StateStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "statehouse-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Open_MissingDirectory_CreatesEmptyStore()
    {
        using var store = StateStore.Open(_directory);

        Assert.Equal(0, store.LastCommitTs);
        Assert.True(File.Exists(Path.Combine(_directory, "CURRENT")));
    }

    [Fact]
    public void Open_NonEmptyDirectoryWithoutStore_RefusesAndLeavesItAlone()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "precious.txt"), "keep me");

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(_directory));

        Assert.Contains("refusing", error.Message, StringComparison.Ordinal);
        Assert.Equal(["precious.txt"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Open_WhileAnotherHandleHoldsIt_RefusesWithLockMessage()
    {
        using var first = StateStore.Open(_directory);

        var error = Assert.Throws<StoreLockedException>(() => StateStore.Open(_directory));

        Assert.Contains("in use by another process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DamagedStoreWithoutCurrentManifest_Refuses()
    {
        StateStore.Open(_directory).Dispose();
        foreach (var manifest in Directory.GetFiles(_directory, "MANIFEST-*"))
        {
            File.Delete(manifest);
        }

        Assert.Throws<StoreOpenException>(() => StateStore.Open(_directory));
    }

    [Fact]
    public void Open_WithSyncedWriteCallback_HearsEverySyncedWriteIncludingTheOneCreatingTheStore()
    {
        var synced = new List<TimeSpan>();
        using var store = StateStore.Open(_directory, onSyncedWrite: synced.Add);
        var created = synced.Count;
        using (var batch = new StoreBatch(store))
        {
            batch.RecordReply("txn", new InboxEntry(1, [0xC0]));
            batch.WriteSynced(store.LastCommitTs);
        }

        using (var batch = new StoreBatch(store))
        {
            batch.DeleteReply("txn");
            batch.WriteUnsynced();
        }

        // The host records these as statehouse.storage.sync.duration, whose count must equal the stats' SyncedWrites.
        Assert.Equal(1, created);
        Assert.Equal(2, synced.Count);
        Assert.Equal(store.SyncedWrites, synced.Count);
        Assert.All(synced, duration => Assert.True(duration > TimeSpan.Zero));
    }

    [Fact]
    public void Open_WithMemoryBudget_SharesOneBlockCacheAndKeepsMemtablesWithinTheWriteBudget()
    {
        var memory = new StoreMemory(BlockCacheBytes: 2L << 20, WriteBufferBytes: 4L << 20);
        using (var store = StateStore.Open(_directory, memory))
        {
            // 24 MiB into the state and history column families (12 MiB each), six times the write budget, in synced
            // batches like commits.
            var value = new byte[2048];
            for (var batchNumber = 0; batchNumber < 96; batchNumber++)
            {
                using var batch = new StoreBatch(store);
                for (var i = 0; i < 64; i++)
                {
                    Random.Shared.NextBytes(value);
                    batch.PutRecord(Record((batchNumber * 64) + i), new StoredRecord(1, 1, false, value));
                }

                batch.WriteSynced(store.LastCommitTs);
                var memtables = store.GetFamilyProperty("rocksdb.size-all-mem-tables").Sum();
                // The budget may be passed by the memtable being flushed while new writes fill another.
                Assert.True(memtables <= 2 * memory.WriteBufferBytes, $"memtables hold {memtables} bytes after batch {batchNumber}; budget {memory.WriteBufferBytes}");
            }

            Assert.All(store.GetFamilyProperty("rocksdb.block-cache-capacity"), capacity => Assert.Equal(memory.BlockCacheBytes, capacity));
        }

        using var reopened = StateStore.Open(_directory);
        using var reader = StoreReader.OpenLatest(reopened);
        Assert.NotNull(reader.GetHistory("ns", "agent", "k0", 1));
        Assert.NotNull(reader.GetHistory("ns", "agent", $"k{(96 * 64) - 1}", 1));
    }

    private static RecordKey Record(int number) => RecordKey.Of("ns", "agent", $"k{number}");
}
