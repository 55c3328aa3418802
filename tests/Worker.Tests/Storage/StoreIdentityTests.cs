using RocksDbSharp;
using Statehouse.Contracts;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>The store id (one deployment, one history) and the standby's view of a store another handle holds.</summary>
public sealed class StoreIdentityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "statehouse-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        foreach (var directory in new[] { _directory, _directory + "-checkpoint" })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public void Open_NewStores_EachGetsItsOwnIdKeptAcrossReopen()
    {
        Guid first;
        using (var store = StateStore.Open(_directory))
        {
            first = store.StoreId;
        }

        using var reopened = StateStore.Open(_directory);
        using var other = new TempStore();

        Assert.NotEqual(Guid.Empty, first);
        Assert.Equal(first, reopened.StoreId);
        Assert.NotEqual(first, other.Store.StoreId);
    }

    [Fact]
    public void Open_StoreMadeBeforeStoreIds_AddsOneOnceAndKeepsIt()
    {
        StateStore.Open(_directory).Dispose();
        using (var db = RocksDb.Open(new DbOptions(), _directory, StateStore.AllFamilies()))
        {
            db.Remove("store_id"u8.ToArray(), db.GetColumnFamily(ColumnFamilyNames.Meta), new WriteOptions().SetSync(true));
        }

        Guid added;
        using (var upgraded = StateStore.Open(_directory))
        {
            added = upgraded.StoreId;
        }

        using var reopened = StateStore.Open(_directory);
        Assert.NotEqual(Guid.Empty, added);
        Assert.Equal(added, reopened.StoreId);
    }

    [Fact]
    public void Checkpoint_RestoredStore_HasTheSameId()
    {
        using var source = new TempStore();
        source.Commit(Operation.Write("agent", "k", Value(1)));
        var checkpoint = _directory + "-checkpoint";

        source.Store.Checkpoint(checkpoint);
        using var restored = StateStore.Open(checkpoint);

        Assert.Equal(source.Store.StoreId, restored.StoreId);
        Assert.Equal(1, restored.LastCommitTs);
    }

    [Fact]
    public void ReadLastCommitTs_SecondaryOfAStoreAnotherHandleWrites_FollowsItsCommits()
    {
        using var active = new TempStore();
        active.Commit(Operation.Write("agent", "k", Value(1)));
        using var secondary = StoreSecondary.Open(active.Directory);
        var before = secondary.ReadLastCommitTs();

        active.Commit(Operation.Write("agent", "k", Value(2)));
        active.Commit(Operation.Write("agent", "k", Value(3)));

        Assert.Equal(1, before);
        Assert.Equal(3, secondary.ReadLastCommitTs());
    }
}
