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
}
