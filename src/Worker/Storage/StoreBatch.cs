using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Changes to the store staged in one RocksDB <see cref="WriteBatch"/> and written at once: the only writer of the
/// state, history, log, agent_log and inbox column families, so the only place that decides which key of which column
/// family a change goes to (docs/storage.md). What <see cref="StoreReader"/> reads back. Not thread-safe; dispose after use.
/// </summary>
internal sealed class StoreBatch(StateStore store) : IDisposable
{
    private readonly WriteBatch _batch = new();
    private ReplicationPosition? _position;

    /// <summary>
    /// Puts <paramref name="stored"/> as the record's latest state and as its history entry at
    /// <see cref="StoredRecord.Version"/>. The value goes from the envelope into the batch as it is, behind the record's
    /// header: no serialized copy of it is made (<see cref="StoredRecordWriter"/>).
    /// </summary>
    public void PutRecord(RecordKey record, StoredRecord stored)
    {
        var handles = store.Handles;
        var header = StoredRecordWriter.Header(stored);
        StoredRecordWriter.Put(_batch, handles.State, record.StateKey, header, stored.Value);
        StoredRecordWriter.Put(_batch, handles.History, KeyCodec.HistoryKey(record.StateKey, stored.Version), header, stored.Value);
    }

    /// <summary>
    /// Logs the transaction committed at <paramref name="commitTs"/> (the log entry), and for each agent it touched that
    /// agent's operations (its agent_log entry, read by replays). <paramref name="entry"/> has at least one operation.
    /// </summary>
    public void AppendLog(long commitTs, LogEntry entry)
    {
        var handles = store.Handles;
        var bytes = StorageFormat.Serialize(entry);
        _batch.Put(KeyCodec.LogKey(commitTs), bytes, handles.Log);
        var firstAgent = entry.Operations[0].AgentId;
        if (entry.Operations.All(o => string.Equals(o.AgentId, firstAgent, StringComparison.Ordinal)))
        {
            // One agent (the usual case): its agent_log entry is the log entry itself, serialized once.
            _batch.Put(KeyCodec.AgentLogKey(KeyCodec.AgentPrefix(entry.Namespace, firstAgent), commitTs), bytes, handles.AgentLog);
            return;
        }

        foreach (var agentOperations in entry.Operations.GroupBy(o => o.AgentId, StringComparer.Ordinal))
        {
            var agentEntry = entry with { Operations = [.. agentOperations] };
            var key = KeyCodec.AgentLogKey(KeyCodec.AgentPrefix(entry.Namespace, agentOperations.Key), commitTs);
            _batch.Put(key, StorageFormat.Serialize(agentEntry), handles.AgentLog);
        }
    }

    /// <summary>Stores the reply given to <paramref name="txnId"/> in the inbox (replacing an earlier one), for duplicates and retries.</summary>
    public void RecordReply(string txnId, InboxEntry entry) =>
        _batch.Put(KeyCodec.InboxKey(txnId), StorageFormat.Serialize(entry), store.Handles.Inbox);

    /// <summary>Removes <paramref name="txnId"/>'s reply from the inbox (pruning).</summary>
    public void DeleteReply(string txnId) => _batch.Delete(KeyCodec.InboxKey(txnId), store.Handles.Inbox);

    /// <summary>Removes a record's history entry at <paramref name="version"/> (history pruning; never its latest version).</summary>
    public void DeleteHistory(RecordKey record, long version) =>
        _batch.Delete(KeyCodec.HistoryKey(record.StateKey, version), store.Handles.History);

    /// <summary>Removes the log entry at <paramref name="commitTs"/> (history pruning; never the last commit's).</summary>
    public void DeleteLog(long commitTs) => _batch.Delete(KeyCodec.LogKey(commitTs), store.Handles.Log);

    /// <summary>Removes an agent's agent_log entry at <paramref name="commitTs"/> (history pruning).</summary>
    public void DeleteAgentLog(string ns, string agentId, long commitTs) =>
        _batch.Delete(KeyCodec.AgentLogKey(KeyCodec.AgentPrefix(ns, agentId), commitTs), store.Handles.AgentLog);

    /// <summary>
    /// Makes <paramref name="horizon"/> the namespace's history horizon (meta <c>history_horizon ‖ ns</c>). Written with
    /// <see cref="WriteHousekeepingSynced"/> before any delete it covers (docs/storage.md, "History horizons").
    /// </summary>
    public void SetHorizon(string ns, long horizon) => StoreMeta.PutHorizon(_batch, store.Handles, ns, horizon);

    /// <summary>
    /// Stages <paramref name="changes"/> in order: each is the call it stands for (<see cref="StoreChange"/>), so the
    /// same changes give the same keys and bytes in any store. Throws <see cref="ArgumentException"/> for a change that
    /// lacks a field of its kind (a damaged log record).
    /// </summary>
    public void Stage(IReadOnlyList<StoreChange> changes)
    {
        foreach (var change in changes)
        {
            switch (change.Kind)
            {
                case StoreChangeKind.PutRecord when change is { Namespace: { } ns, AgentId: { } agent, Key: { } key, Record: { } stored }:
                    PutRecord(RecordKey.Of(ns, agent, key), stored);
                    break;
                case StoreChangeKind.AppendLog when change is { Entry: { Operations.Count: > 0 } entry }:
                    AppendLog(change.CommitTs, entry);
                    break;
                case StoreChangeKind.RecordReply when change is { TxnId: { } txnId, Inbox: { } inbox }:
                    RecordReply(txnId, inbox);
                    break;
                default:
                    throw new ArgumentException($"A store change of kind {change.Kind} lacks the fields of its kind.", nameof(changes));
            }
        }
    }

    /// <summary>Makes <paramref name="position"/> the store's replication position, in this batch's synced write.</summary>
    public void SetPosition(ReplicationPosition position) => _position = position;

    /// <summary>
    /// Writes the batch with sync (the commit), with <paramref name="lastCommitTs"/> as the store's new last commit_ts
    /// (and the position given to <see cref="SetPosition"/>, if any).
    /// Throws <see cref="StorageWriteException"/> when the write fails; then nothing of the batch is stored.
    /// </summary>
    public void WriteSynced(long lastCommitTs) => store.WriteSynced(_batch, lastCommitTs, _position);

    /// <summary>
    /// Writes housekeeping (a history horizon) with sync, without touching the last commit_ts: the commit loop may be
    /// writing meanwhile. Throws <see cref="StorageWriteException"/> when the write fails.
    /// </summary>
    public void WriteHousekeepingSynced() => store.WriteHousekeepingSynced(_batch);

    /// <summary>Writes the batch without sync: housekeeping only (no commit data), harmless to lose in a crash.</summary>
    public void WriteUnsynced() => store.WriteUnsynced(_batch);

    public void Dispose() => _batch.Dispose();
}
