namespace Statehouse.Worker.Storage;

/// <summary>
/// A group's changes to the store, in the order they were made, as values (<see cref="StoreChange"/>): what the commit
/// engine decides before anything is written. <see cref="StoreBatch.Stage"/> turns them into the batch's writes; the
/// same list, carried in a log record, gives a replica the same writes. Not thread-safe.
/// </summary>
internal sealed class StoreChanges
{
    private readonly List<StoreChange> _items;

    public StoreChanges() => _items = [];

    /// <summary>Changes received in a log record, to be staged as they are.</summary>
    public StoreChanges(IEnumerable<StoreChange> items) => _items = [.. items];

    /// <summary>The changes in the order they were made.</summary>
    public IReadOnlyList<StoreChange> Items => _items;

    public int Count => _items.Count;

    /// <summary>The bytes of the records' values put so far: the bulk of a log record carrying these changes.</summary>
    public long ValueBytes { get; private set; }

    /// <summary>See <see cref="StoreBatch.PutRecord"/>; the identity is kept as its three strings.</summary>
    public void PutRecord(string ns, string agentId, string key, StoredRecord stored)
    {
        _items.Add(new StoreChange(StoreChangeKind.PutRecord, Namespace: ns, AgentId: agentId, Key: key, Record: stored));
        ValueBytes += stored.Value?.Length ?? 0;
    }

    /// <summary>See <see cref="StoreBatch.AppendLog"/>.</summary>
    public void AppendLog(long commitTs, LogEntry entry) =>
        _items.Add(new StoreChange(StoreChangeKind.AppendLog, CommitTs: commitTs, Entry: entry));

    /// <summary>See <see cref="StoreBatch.RecordReply"/>.</summary>
    public void RecordReply(string txnId, InboxEntry entry) =>
        _items.Add(new StoreChange(StoreChangeKind.RecordReply, TxnId: txnId, Inbox: entry));
}
