using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Reads history entries for one <see cref="StoreReader"/>, through its read options (its snapshot). Every committed
/// write or delete moves a record's version by exactly one and logs an event for its agent, so the events of a replay
/// that touch one record need consecutive versions, which are neighbours in the history column family. From a record's
/// second consecutive version on, an iterator kept on that record steps to the next entry instead of a point lookup that
/// searches the memtable and every level again for each operation. Records read once cost one point lookup.
/// </summary>
internal sealed class HistoryReader(StateStore store, ReadOptions readOptions) : IDisposable
{
    // Each iterator pins memtables and table files until the reader is disposed: bound how many one reader holds.
    private const int MaxIterators = 64;

    private readonly Dictionary<(string Ns, string Agent, string Key), Tracked> _records = [];
    private int _iterators;

    /// <summary>The record as stored at <paramref name="version"/>, or null when the history has no such entry.</summary>
    public StoredRecord? Read(string ns, string agentId, string key, long version)
    {
        if (!_records.TryGetValue((ns, agentId, key), out var record))
        {
            record = new Tracked(KeyCodec.StateKey(ns, agentId, key));
            _records.Add((ns, agentId, key), record);
        }

        var historyKey = KeyCodec.HistoryKey(record.StateKey, version);
        var next = record.LastVersion > 0 && version == record.LastVersion + 1;
        record.LastVersion = version;
        var iterator = record.Iterator;
        if (iterator is not null)
        {
            if (next)
            {
                iterator.Next();
            }
            else
            {
                iterator.Seek(historyKey);
            }
        }
        else if (next && _iterators < MaxIterators)
        {
            var handles = store.Handles;
            iterator = record.Iterator = StoreIterator.Open(handles.Db, handles.History, readOptions);
            _iterators++;
            iterator.Seek(historyKey);
        }
        else
        {
            var handles = store.Handles;
            var bytes = handles.Db.Get(historyKey, handles.History, readOptions);
            return bytes is null ? null : StorageFormat.Deserialize<StoredRecord>(bytes);
        }

        return iterator.Valid() && iterator.GetKeySpan().SequenceEqual(historyKey)
            ? StorageFormat.Deserialize<StoredRecord>(iterator.Value())
            : null;
    }

    public void Dispose()
    {
        foreach (var record in _records.Values)
        {
            record.Iterator?.Dispose();
        }
    }

    private sealed class Tracked(byte[] stateKey)
    {
        public byte[] StateKey { get; } = stateKey;

        /// <summary>The version read last (0 = none yet); the iterator, when there is one, stands on its entry.</summary>
        public long LastVersion { get; set; }

        public StoreIterator? Iterator { get; set; }
    }
}
