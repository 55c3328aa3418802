namespace Statehouse.Worker.Storage;

/// <summary>The RocksDB store (STUB: being implemented).</summary>
internal sealed class StateStore : IDisposable
{
    private StateStore() { }

    /// <summary>Opens (or creates when the directory is empty or missing) the store; throws <see cref="StoreOpenException"/> when it cannot.</summary>
    public static StateStore Open(string path) => throw new NotImplementedException(path);

    /// <summary>The last committed commit_ts (0 for an empty store).</summary>
    public long LastCommitTs => 0;

    public void Dispose() { }
}
