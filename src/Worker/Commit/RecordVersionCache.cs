namespace Statehouse.Worker.Commit;

/// <summary>
/// The version of recently written records as of the last successful synced write, keyed by state key. The commit
/// loop is the store's only writer, so it knows these without asking RocksDB: an agent updating its own records again
/// needs no state lookup (a point read through the memtable and the table files) per operation.
/// Bounded: when full it starts over (the store stays the truth for anything not here). Cleared whenever a write
/// fails, since RocksDB may then hold more or less than the group the cache saw.
/// </summary>
internal sealed class RecordVersionCache(int capacity)
{
    private readonly Dictionary<byte[], Entry> _versions = new(ByteArrayComparer.Instance);

    /// <summary>Compares state keys by their bytes.</summary>
    public IEqualityComparer<byte[]> Comparer => ByteArrayComparer.Instance;

    public bool TryGet(byte[] stateKey, out Entry entry) => _versions.TryGetValue(stateKey, out entry);

    public void Set(byte[] stateKey, Entry entry)
    {
        if (_versions.Count >= capacity && !_versions.ContainsKey(stateKey))
        {
            // Starting over is cheaper than tracking recency, and the records in use come back on their next write.
            _versions.Clear();
        }

        _versions[stateKey] = entry;
    }

    public void Clear() => _versions.Clear();

    /// <summary>A record's current version and whether that version is a tombstone.</summary>
    internal readonly record struct Entry(long Version, bool Deleted);

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static ByteArrayComparer Instance { get; } = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
