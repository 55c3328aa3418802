using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>A RocksDB snapshot and the read options that read through it.</summary>
internal sealed class StoreSnapshot : IDisposable
{
    private readonly Snapshot _snapshot;

    public StoreSnapshot(Snapshot snapshot)
    {
        _snapshot = snapshot;
        ReadOptions = new ReadOptions().SetSnapshot(snapshot);
    }

    public ReadOptions ReadOptions { get; }

    public void Dispose() => _snapshot.Dispose();
}
