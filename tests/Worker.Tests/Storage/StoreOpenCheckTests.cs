using RocksDbSharp;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>The checks before an open, and how RocksDB's open errors read to the worker.</summary>
public sealed class StoreOpenCheckTests : IDisposable
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
    public void HoldsStore_MissingThenEmptyThenStoreDirectory_FalseFalseTrue()
    {
        var missing = StoreOpenCheck.HoldsStore(_directory);
        Directory.CreateDirectory(_directory);
        var empty = StoreOpenCheck.HoldsStore(_directory);
        StateStore.Open(_directory).Dispose();

        Assert.Equal((false, false, true), (missing, empty, StoreOpenCheck.HoldsStore(_directory)));
    }

    [Fact]
    public void BeforeOpen_RocksDbStoreWithoutTheSchemasColumnFamilies_RefusesNamingThem()
    {
        using (RocksDb.Open(new DbOptions().SetCreateIfMissing(true), _directory))
        {
        }

        var error = Assert.Throws<StoreOpenException>(() => StoreOpenCheck.BeforeOpen(new DbOptions(), _directory));

        Assert.Contains("lacks column families state, history, log, agent_log, inbox, meta", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BeforeOpen_StoreHeldByAnotherHandle_ThrowsStoreLocked()
    {
        using var holder = StateStore.Open(_directory);

        var error = Assert.Throws<StoreLockedException>(() => StoreOpenCheck.BeforeOpen(new DbOptions(), _directory));

        Assert.Contains($"The store at '{_directory}' is in use by another process (its LOCK is held)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenFailed_LockHeldByThisProcess_IsStoreLocked()
    {
        using var holder = StateStore.Open(_directory);
        var refused = Assert.Throws<RocksDbException>(() => RocksDb.Open(new DbOptions(), _directory, StateStore.AllFamilies()));

        var error = StoreOpenCheck.OpenFailed(_directory, refused);

        Assert.IsType<StoreLockedException>(error);
        Assert.Contains("in use by another process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenFailed_ManifestMissing_IsStoreOpenWithTheDamagedStoreMessage()
    {
        StateStore.Open(_directory).Dispose();
        foreach (var manifest in Directory.GetFiles(_directory, "MANIFEST-*"))
        {
            File.Delete(manifest);
        }

        var refused = Assert.Throws<RocksDbException>(() => RocksDb.Open(new DbOptions(), _directory, StateStore.AllFamilies()));

        var error = StoreOpenCheck.OpenFailed(_directory, refused);

        Assert.IsType<StoreOpenException>(error);
        Assert.StartsWith($"The store at '{_directory}' is damaged: RocksDB reports \"", error.Message, StringComparison.Ordinal);
        Assert.Contains("statehouse restore", error.Message, StringComparison.Ordinal);
    }
}
