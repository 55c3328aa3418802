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
}
