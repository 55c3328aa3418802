using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Reads the store in its own terms (records, history, log entries, inbox entries): the only reader of the state,
/// history, log (but for <see cref="StoreMeta"/>'s checks at open), agent_log and inbox column families, so it decodes exactly what <see cref="StoreBatch"/> encodes
/// (docs/storage.md). Opened either over a RocksDB snapshot (<see cref="OpenSnapshot"/>: every read sees the store as it
/// was at that moment) or over the latest writes (<see cref="OpenLatest"/>). Readers other than the commit loop hold a
/// <see cref="ReadLease"/> (<see cref="StateStore.EnterRead"/>) while they use it. Not thread-safe; dispose after use.
/// RocksDB errors surface as <see cref="StorageReadException"/> (also while a lazy read is enumerated), undecodable
/// values as MessagePack's serialization exception, a closed store as <see cref="StorageUnavailableException"/>.
/// </summary>
internal sealed class StoreReader : IDisposable
{
    private static readonly ReadOptions s_latest = new();

    private readonly StateStore _store;
    private readonly Snapshot? _snapshot;
    private readonly ReadOptions _readOptions;
    private HistoryReader? _history;

    private StoreReader(StateStore store, Snapshot? snapshot)
    {
        _store = store;
        _snapshot = snapshot;
        _readOptions = snapshot is null ? s_latest : new ReadOptions().SetSnapshot(snapshot);
    }

    /// <summary>A consistent point-in-time view, for a read that looks at several keys.</summary>
    public static StoreReader OpenSnapshot(StateStore store) => new(store, store.Handles.Db.CreateSnapshot());

    /// <summary>Each read sees the latest write: for single lookups, and for the commit loop (the only writer).</summary>
    public static StoreReader OpenLatest(StateStore store) => new(store, null);

    /// <summary>The record's latest state (a tombstone after a delete), or null when it was never written.</summary>
    public StoredRecord? GetRecord(RecordKey record) => Get(_store.Handles.State, record.StateKey) is { } bytes
        ? StorageFormat.Deserialize<StoredRecord>(bytes)
        : null;

    /// <inheritdoc cref="GetRecord(RecordKey)"/>
    public StoredRecord? GetRecord(string ns, string agentId, string key) => GetRecord(RecordKey.Of(ns, agentId, key));

    /// <summary>
    /// The record as it was at <paramref name="version"/> (1 = its first write), or null when it never had that version.
    /// Consecutive versions of one record are read by stepping one iterator (<see cref="HistoryReader"/>). Throws
    /// <see cref="HistoryPrunedException"/> when it had it but history retention removed it.
    /// </summary>
    public StoredRecord? GetHistory(string ns, string agentId, string key, long version)
    {
        StoredRecord? found;
        try
        {
            found = (_history ??= new HistoryReader(_store, _readOptions)).Read(ns, agentId, key, version);
        }
        catch (RocksDbException e)
        {
            throw Failed(e);
        }

        // History holds every version up to the latest until pruning removes older ones (never the latest).
        if (found is null && version > 0 && GetRecord(ns, agentId, key) is { } latest && version < latest.Version)
        {
            throw Pruned(ns, $"version {version} of '{agentId}'/'{key}' was removed by history retention");
        }

        return found;
    }

    /// <summary>
    /// The record as it was right after commit_ts <paramref name="commitTs"/>: its newest version committed at or before
    /// it, or null when it did not exist then. Exact also on a pruned store: a record's kept versions are always its newest
    /// ones, so a kept version at or before <paramref name="commitTs"/> is the answer; when none is kept but older versions
    /// were, throws <see cref="HistoryPrunedException"/>.
    /// </summary>
    public StoredRecord? GetRecordAsOf(string ns, string agentId, string key, long commitTs)
    {
        try
        {
            return ReadRecordAsOf(ns, agentId, key, commitTs);
        }
        catch (RocksDbException e)
        {
            throw Failed(e);
        }
    }

    /// <summary>
    /// The agent's live records (tombstones skipped: a deleted key leaves listings) whose key starts with
    /// <paramref name="keyPrefix"/>, in bytewise order of their keys' UTF-8 bytes, starting strictly after
    /// <paramref name="afterKey"/> when given. Stops exactly at the agent's boundary. Lazy: read as far as enumerated.
    /// </summary>
    public IEnumerable<(string Key, StoredRecord Record)> ScanKeys(string ns, string agentId, string keyPrefix, string? afterKey) =>
        Translated(ReadKeys(ns, agentId, keyPrefix, afterKey));

    /// <summary>
    /// The agent's live records as they were right after commit_ts <paramref name="commitTs"/> (for each key its newest
    /// version committed at or before it, when that is not a tombstone), in bytewise order of their keys. Every key an
    /// agent ever wrote stays in the state column family (a tombstone after a delete), so one pass over the agent's
    /// state entries finds them; keys changed after <paramref name="commitTs"/> are looked up in history. Assumes the
    /// history at <paramref name="commitTs"/> is complete. Lazy.
    /// </summary>
    public IEnumerable<(string Key, StoredRecord Record)> ScanAgentAsOf(string ns, string agentId, long commitTs) =>
        Translated(ReadAgentAsOf(ns, agentId, commitTs));

    /// <summary>
    /// The agents of namespace <paramref name="ns"/> that have at least one live record (an agent whose every key is
    /// deleted is left out, as its keys leave listings), whose agent id starts with <paramref name="agentPrefix"/>, in
    /// bytewise order of their ids' UTF-8 bytes, starting strictly after <paramref name="afterAgent"/> when given. Each
    /// agent costs one seek past its keys once a live one is found; tombstones before it are stepped over. Lazy.
    /// </summary>
    public IEnumerable<string> ListAgents(string ns, string agentPrefix, string? afterAgent) =>
        Translated(ReadAgents(ns, agentPrefix, afterAgent));

    /// <summary>
    /// The agent's transactions with <paramref name="startTs"/> ≤ commit_ts ≤ <paramref name="endTs"/>, in commit order,
    /// each with only that agent's operations (values are in history: <see cref="GetHistory"/>). Lazy.
    /// </summary>
    public IEnumerable<(long CommitTs, LogEntry Entry)> ReadAgentLog(string ns, string agentId, long startTs, long endTs) =>
        Translated(ReadAgentEntries(ns, agentId, startTs, endTs));

    /// <summary>
    /// Every transaction with <paramref name="startTs"/> ≤ commit_ts ≤ <paramref name="endTs"/>, of every namespace, in
    /// commit order, with all its operations (the log column family; values are in history: <see cref="GetHistory"/>).
    /// Lazy: read as far as enumerated.
    /// </summary>
    public IEnumerable<(long CommitTs, LogEntry Entry)> ReadLog(long startTs, long endTs) => Translated(ReadLogEntries(startTs, endTs));

    /// <summary>The reply stored for <paramref name="txnId"/> in the inbox, or null when there is none (never seen, or pruned).</summary>
    public InboxEntry? FindReply(string txnId) => Get(_store.Handles.Inbox, KeyCodec.InboxKey(txnId)) is { } bytes
        ? StorageFormat.Deserialize<InboxEntry>(bytes)
        : null;

    /// <summary>Every inbox entry with its txn_id, in key order (for pruning). Lazy.</summary>
    public IEnumerable<(string TxnId, InboxEntry Entry)> ReadInbox() => Translated(ReadInboxEntries());

    public void Dispose()
    {
        _history?.Dispose();
        _snapshot?.Dispose();
    }

    /// <summary>RocksDB's failure as the storage layer's own exception, with RocksDB's message (read replies carry it).</summary>
    private static StorageReadException Failed(RocksDbException e) => new(e.Message, e);

    /// <summary><paramref name="reads"/>, enumerated lazily, with RocksDB's failures translated as each step reads.</summary>
    private static IEnumerable<T> Translated<T>(IEnumerable<T> reads)
    {
        using var enumerator = reads.GetEnumerator();
        while (true)
        {
            bool moved;
            try
            {
                moved = enumerator.MoveNext();
            }
            catch (RocksDbException e)
            {
                throw Failed(e);
            }

            if (!moved)
            {
                yield break;
            }

            yield return enumerator.Current;
        }
    }

    private StoredRecord? ReadRecordAsOf(string ns, string agentId, string key, long commitTs)
    {
        // Versions of a record rise with commit_ts, so walk its history backwards to the newest one at or before commitTs.
        var stateKey = KeyCodec.StateKey(ns, agentId, key);
        using var iterator = OpenIterator(_store.Handles.History);
        iterator.SeekForPrev(KeyCodec.HistoryKey(stateKey, long.MaxValue));
        long oldest = 0;
        for (; iterator.Valid() && KeyCodec.HasPrefix(iterator.GetKeySpan(), stateKey); iterator.Prev())
        {
            var record = StorageFormat.Deserialize<StoredRecord>(iterator.Value());
            if (record.CommitTs <= commitTs)
            {
                return record;
            }

            oldest = record.Version;
        }

        // Every kept version is newer than commitTs: the record did not exist then only if its first version is kept.
        return oldest > 1
            ? throw Pruned(ns, $"the state of '{agentId}'/'{key}' as of commit_ts {commitTs} was removed by history retention (its oldest kept version is {oldest})")
            : null;
    }

    /// <summary>The namespace's history horizon (a commit_ts; every version and log entry at or above it is kept), 0 when nothing was pruned.</summary>
    public long GetHorizon(string ns) => StoreMeta.DecodeHorizon(Get(_store.Handles.Meta, StoreMeta.HorizonKey(ns)));

    /// <summary>Every namespace that has records, in key order. Lazy.</summary>
    public IEnumerable<string> ReadNamespaces() => Translated(ReadNamespaceNames());

    /// <summary>
    /// The history versions of <paramref name="ns"/> that <paramref name="prune"/> selects, record by record, each
    /// record's from its oldest kept version up: <paramref name="prune"/> gets the record's latest version, one older
    /// version and the commit_ts of the version that replaced it (the next one), and the first it refuses ends that
    /// record (kept versions are always each record's newest). The latest version is never offered. Each selected version
    /// comes with the commit_ts that replaced it: the record's state as of any commit_ts from that one on is kept. Lazy.
    /// </summary>
    public IEnumerable<(RecordKey Record, long Version, long ReplacedAtTs)> ReadPrunableVersions(string ns, Func<long, StoredRecord, long, bool> prune) =>
        Translated(ReadPrunable(ns, prune));

    /// <summary>The commit_ts of every log entry of <paramref name="ns"/> below <paramref name="horizon"/>, ascending. Lazy.</summary>
    public IEnumerable<long> ReadLogBelow(string ns, long horizon) => Translated(ReadLogEntriesBelow(ns, horizon));

    /// <summary>Every agent_log entry of <paramref name="ns"/> below <paramref name="horizon"/>, agent by agent. Lazy.</summary>
    public IEnumerable<(string AgentId, long CommitTs)> ReadAgentLogBelow(string ns, long horizon) => Translated(ReadAgentEntriesBelow(ns, horizon));

    /// <summary>
    /// The first commit_ts at or after <paramref name="fromCommitTs"/> committed at or after <paramref name="cutoffUnixMs"/>
    /// by the log entries' commit time; when none is, the last commit_ts in this view (the log's last entry is always
    /// kept); null when the log holds nothing from <paramref name="fromCommitTs"/> on. Entries without a time (written by
    /// schema-1 workers) count as committed no later than the first timed entry after them: a run of them ends the search
    /// when that entry does.
    /// </summary>
    public long? FindFirstCommitSince(long fromCommitTs, long cutoffUnixMs)
    {
        try
        {
            using var iterator = OpenIterator(_store.Handles.Log);
            long? untimedRun = null;
            long? last = null;
            for (iterator.Seek(KeyCodec.LogKey(fromCommitTs)); iterator.Valid(); iterator.Next())
            {
                var commitTs = KeyCodec.ReadInt64(iterator.GetKeySpan());
                last = commitTs;
                var committedAt = StorageFormat.Deserialize<LogEntry>(iterator.Value()).CommittedAtUnixMs;
                if (committedAt == 0)
                {
                    untimedRun ??= commitTs;
                }
                else if (committedAt >= cutoffUnixMs)
                {
                    return untimedRun ?? commitTs;
                }
                else
                {
                    untimedRun = null;
                }
            }

            return untimedRun ?? last;
        }
        catch (RocksDbException e)
        {
            throw Failed(e);
        }
    }

    private HistoryPrunedException Pruned(string ns, string what)
    {
        var horizon = GetHorizon(ns);
        return new HistoryPrunedException(
            $"{what}; namespace '{ns}' keeps every version and replay event from its history horizon, commit_ts {horizon}, on (on this worker)",
            horizon);
    }

    private IEnumerable<string> ReadNamespaceNames()
    {
        using var iterator = OpenIterator(_store.Handles.State);
        iterator.SeekToFirst();
        while (iterator.Valid())
        {
            var ns = KeyCodec.DecodeNamespace(iterator.GetKeySpan());
            yield return ns;
            iterator.Seek(KeyCodec.PrefixUpperBound(KeyCodec.NamespacePrefix(ns))!);
        }
    }

    private IEnumerable<(RecordKey Record, long Version, long ReplacedAtTs)> ReadPrunable(string ns, Func<long, StoredRecord, long, bool> prune)
    {
        var prefix = KeyCodec.NamespacePrefix(ns);
        using var records = OpenIterator(_store.Handles.State);
        using var versions = OpenIterator(_store.Handles.History);
        for (records.Seek(prefix); records.Valid() && KeyCodec.HasPrefix(records.GetKeySpan(), prefix); records.Next())
        {
            var stateKey = records.GetKeySpan().ToArray();
            var latest = StorageFormat.Deserialize<StoredRecord>(records.Value()).Version;
            // Each version is decided once the next one (the one that replaced it) is read; the latest is never offered.
            StoredRecord? older = null;
            for (versions.Seek(KeyCodec.HistoryKey(stateKey, 0)); versions.Valid() && KeyCodec.HasPrefix(versions.GetKeySpan(), stateKey); versions.Next())
            {
                var stored = StorageFormat.Deserialize<StoredRecord>(versions.Value());
                if (older is not null)
                {
                    if (!prune(latest, older, stored.CommitTs))
                    {
                        break;
                    }

                    yield return (RecordKey.FromStateKey(stateKey), older.Version, stored.CommitTs);
                }

                if (stored.Version >= latest)
                {
                    break;
                }

                older = stored;
            }
        }
    }

    private IEnumerable<long> ReadLogEntriesBelow(string ns, long horizon)
    {
        using var iterator = OpenIterator(_store.Handles.Log);
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            var commitTs = KeyCodec.ReadInt64(iterator.GetKeySpan());
            if (commitTs >= horizon)
            {
                yield break;
            }

            if (string.Equals(StorageFormat.Deserialize<LogEntry>(iterator.Value()).Namespace, ns, StringComparison.Ordinal))
            {
                yield return commitTs;
            }
        }
    }

    private IEnumerable<(string AgentId, long CommitTs)> ReadAgentEntriesBelow(string ns, long horizon)
    {
        var prefix = KeyCodec.NamespacePrefix(ns);
        using var iterator = OpenIterator(_store.Handles.AgentLog);
        iterator.Seek(prefix);
        while (iterator.Valid() && KeyCodec.HasPrefix(iterator.GetKeySpan(), prefix))
        {
            var key = iterator.GetKeySpan();
            var agentPrefix = key[..^8].ToArray();
            var commitTs = KeyCodec.ReadInt64(key[^8..]);
            if (commitTs < horizon)
            {
                yield return (KeyCodec.DecodeKey(agentPrefix, prefix.Length), commitTs);
                iterator.Next();
            }
            else
            {
                // The rest of this agent's entries are at or above the horizon: on to the next agent.
                iterator.Seek(KeyCodec.AgentLogKey(agentPrefix, long.MaxValue));
            }
        }
    }

    private IEnumerable<(string Key, StoredRecord Record)> ReadKeys(string ns, string agentId, string keyPrefix, string? afterKey)
    {
        var agentPrefixLength = KeyCodec.AgentPrefix(ns, agentId).Length;
        var prefix = KeyCodec.KeyPrefix(ns, agentId, keyPrefix);
        using var iterator = OpenIterator(_store.Handles.State);
        if (afterKey is not null)
        {
            // Seek to the continuation key and step past it: the next page starts strictly after it.
            var after = KeyCodec.StateKey(ns, agentId, afterKey);
            iterator.Seek(after.AsSpan().SequenceCompareTo(prefix) > 0 ? after : prefix);
            if (iterator.Valid() && iterator.GetKeySpan().SequenceEqual(after))
            {
                iterator.Next();
            }
        }
        else
        {
            iterator.Seek(prefix);
        }

        for (; iterator.Valid() && KeyCodec.HasPrefix(iterator.GetKeySpan(), prefix); iterator.Next())
        {
            var record = StorageFormat.Deserialize<StoredRecord>(iterator.Value());
            if (!record.Deleted)
            {
                yield return (KeyCodec.DecodeKey(iterator.GetKeySpan(), agentPrefixLength), record);
            }
        }
    }

    private IEnumerable<(string Key, StoredRecord Record)> ReadAgentAsOf(string ns, string agentId, long commitTs)
    {
        var prefix = KeyCodec.AgentPrefix(ns, agentId);
        using var iterator = OpenIterator(_store.Handles.State);
        for (iterator.Seek(prefix); iterator.Valid() && KeyCodec.HasPrefix(iterator.GetKeySpan(), prefix); iterator.Next())
        {
            var key = KeyCodec.DecodeKey(iterator.GetKeySpan(), prefix.Length);
            var latest = StorageFormat.Deserialize<StoredRecord>(iterator.Value());
            var asOf = latest.CommitTs <= commitTs ? latest : ReadRecordAsOf(ns, agentId, key, commitTs);
            if (asOf is { Deleted: false })
            {
                yield return (key, asOf);
            }
        }
    }

    private IEnumerable<string> ReadAgents(string ns, string agentPrefix, string? afterAgent)
    {
        var namespaceLength = KeyCodec.NamespacePrefix(ns).Length;
        var prefix = KeyCodec.AgentIdPrefix(ns, agentPrefix);
        using var iterator = OpenIterator(_store.Handles.State);
        var start = afterAgent is null ? null : KeyCodec.PrefixUpperBound(KeyCodec.AgentPrefix(ns, afterAgent));
        iterator.Seek(start is not null && start.AsSpan().SequenceCompareTo(prefix) > 0 ? start : prefix);
        while (iterator.Valid() && KeyCodec.HasPrefix(iterator.GetKeySpan(), prefix))
        {
            var agentId = KeyCodec.DecodeKey(iterator.GetKeySpan(), namespaceLength);
            var agentKeys = KeyCodec.AgentPrefix(ns, agentId);
            var live = false;
            for (; iterator.Valid() && KeyCodec.HasPrefix(iterator.GetKeySpan(), agentKeys); iterator.Next())
            {
                if (!StorageFormat.Deserialize<StoredRecord>(iterator.Value()).Deleted)
                {
                    live = true;
                    break;
                }
            }

            if (live)
            {
                yield return agentId;

                // An agent prefix ends with its terminator 00 01, so its upper bound is never null.
                iterator.Seek(KeyCodec.PrefixUpperBound(agentKeys)!);
            }
        }
    }

    private IEnumerable<(long CommitTs, LogEntry Entry)> ReadAgentEntries(string ns, string agentId, long startTs, long endTs)
    {
        var agentPrefix = KeyCodec.AgentPrefix(ns, agentId);
        using var iterator = OpenIterator(_store.Handles.AgentLog);
        for (iterator.Seek(KeyCodec.AgentLogKey(agentPrefix, startTs)); iterator.Valid(); iterator.Next())
        {
            var key = iterator.GetKeySpan();
            if (!KeyCodec.HasPrefix(key, agentPrefix) || key.Length != agentPrefix.Length + 8)
            {
                yield break;
            }

            var commitTs = KeyCodec.ReadInt64(key[agentPrefix.Length..]);
            if (commitTs > endTs)
            {
                yield break;
            }

            yield return (commitTs, StorageFormat.Deserialize<LogEntry>(iterator.Value()));
        }
    }

    private IEnumerable<(long CommitTs, LogEntry Entry)> ReadLogEntries(long startTs, long endTs)
    {
        using var iterator = OpenIterator(_store.Handles.Log);
        for (iterator.Seek(KeyCodec.LogKey(startTs)); iterator.Valid(); iterator.Next())
        {
            var commitTs = KeyCodec.ReadInt64(iterator.GetKeySpan());
            if (commitTs > endTs)
            {
                yield break;
            }

            yield return (commitTs, StorageFormat.Deserialize<LogEntry>(iterator.Value()));
        }
    }

    private IEnumerable<(string TxnId, InboxEntry Entry)> ReadInboxEntries()
    {
        using var iterator = OpenIterator(_store.Handles.Inbox);
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            yield return (KeyCodec.DecodeTxnId(iterator.GetKeySpan()), StorageFormat.Deserialize<InboxEntry>(iterator.Value()));
        }
    }

    private byte[]? Get(ColumnFamilyHandle family, byte[] key)
    {
        try
        {
            return _store.Handles.Db.Get(key, family, _readOptions);
        }
        catch (RocksDbException e)
        {
            throw Failed(e);
        }
    }

    private StoreIterator OpenIterator(ColumnFamilyHandle family) => StoreIterator.Open(_store.Handles.Db, family, _readOptions);
}
