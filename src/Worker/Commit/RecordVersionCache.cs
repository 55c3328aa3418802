using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Commit;

/// <summary>
/// The version of recently written records as of the last successful synced write, keyed by record identity. The commit
/// loop is the store's only writer, so it knows these without asking RocksDB: an agent updating its own records again
/// needs no state lookup (a point read through the memtable and the table files) per operation.
/// Bounded: when full it starts over (the store stays the truth for anything not here). Cleared whenever a write
/// fails, since RocksDB may then hold more or less than the group the cache saw.
/// </summary>
internal sealed class RecordVersionCache(int capacity)
{
    private readonly Dictionary<RecordKey, Entry> _versions = [];

    public bool TryGet(RecordKey record, out Entry entry) => _versions.TryGetValue(record, out entry);

    public void Set(RecordKey record, Entry entry)
    {
        if (_versions.Count >= capacity && !_versions.ContainsKey(record))
        {
            // Starting over is cheaper than tracking recency, and the records in use come back on their next write.
            _versions.Clear();
        }

        _versions[record] = entry;
    }

    public void Clear() => _versions.Clear();

    /// <summary>A record's current version and whether that version is a tombstone.</summary>
    internal readonly record struct Entry(long Version, bool Deleted);
}
