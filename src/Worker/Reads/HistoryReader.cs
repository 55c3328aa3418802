using RocksDbSharp;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Reads;

/// <summary>
/// Reads the history entries one replay page needs, through one snapshot. Every committed write or delete moves a
/// record's version by exactly one and logs an event for its agent, so the events of a replay that touch one record
/// need consecutive versions, which are neighbours in the history column family. From a record's second event on,
/// an iterator kept on that record steps to the next entry instead of a point lookup that searches the memtable and
/// every level again for each operation. Records touched once cost one point lookup, as before.
/// </summary>
internal sealed class HistoryReader(StateStore store, RocksDbSharp.ReadOptions readOptions) : IDisposable
{
    // Each iterator pins memtables and table files until the page is answered: bound how many one page holds.
    private const int MaxIterators = 64;

    private readonly Dictionary<(string Agent, string Key), Tracked> _records = [];
    private int _iterators;

    /// <summary>The record as stored at <paramref name="version"/>, or null when the history has no such entry.</summary>
    public StoredRecord? Read(string ns, string agentId, string key, long version)
    {
        if (!_records.TryGetValue((agentId, key), out var record))
        {
            record = new Tracked(KeyCodec.StateKey(ns, agentId, key));
            _records.Add((agentId, key), record);
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
            iterator = record.Iterator = store.NewIterator(store.History, readOptions);
            _iterators++;
            iterator.Seek(historyKey);
        }
        else
        {
            var bytes = store.Get(store.History, historyKey, readOptions);
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

        public Iterator? Iterator { get; set; }
    }
}
