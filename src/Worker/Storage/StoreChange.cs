using MessagePack;

namespace Statehouse.Worker.Storage;

/// <summary>What a <see cref="StoreChange"/> does: the <see cref="StoreBatch"/> call it stands for.</summary>
internal enum StoreChangeKind
{
    /// <summary><see cref="StoreBatch.PutRecord"/>: <see cref="StoreChange.Namespace"/>, <see cref="StoreChange.AgentId"/>, <see cref="StoreChange.Key"/>, <see cref="StoreChange.Record"/>.</summary>
    PutRecord = 1,

    /// <summary><see cref="StoreBatch.AppendLog"/>: <see cref="StoreChange.CommitTs"/>, <see cref="StoreChange.Entry"/>.</summary>
    AppendLog = 2,

    /// <summary><see cref="StoreBatch.RecordReply"/>: <see cref="StoreChange.TxnId"/>, <see cref="StoreChange.Inbox"/>.</summary>
    RecordReply = 3,
}

/// <summary>
/// One change to the store as a value: a <see cref="StoreBatch"/> call and its arguments, so that a group's changes can
/// travel in a log record and be applied on another worker to the same keys and the same bytes (docs/replication.md).
/// Only the fields of its <see cref="Kind"/> are set. Serialized with <see cref="StorageFormat"/> (MessagePack array).
/// </summary>
[MessagePackObject]
internal sealed record StoreChange(
    [property: Key(0)] StoreChangeKind Kind,
    [property: Key(1)] string? Namespace = null,
    [property: Key(2)] string? AgentId = null,
    [property: Key(3)] string? Key = null,
    [property: Key(4)] StoredRecord? Record = null,
    [property: Key(5)] long CommitTs = 0,
    [property: Key(6)] LogEntry? Entry = null,
    [property: Key(7)] string? TxnId = null,
    [property: Key(8)] InboxEntry? Inbox = null);
