using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// The worker's answer to a <see cref="CommitEnvelope"/>, published to the message's <c>reply_to</c>
/// with its <c>correlation_id</c>. For a committed transaction: <see cref="CommitTs"/> and the new version of every
/// record it wrote or deleted. For a rejected one: the error code and message, and for a CONFLICT the actual
/// versions of the records whose expectation failed (<see cref="Conflicts"/>, version 0 = does not exist).
/// </summary>
[MessagePackObject]
public sealed record CommitReply(
    [property: Key(0)] string TxnId,
    [property: Key(1)] CommitStatus Status,
    [property: Key(2)] long CommitTs,
    [property: Key(3)] IReadOnlyList<RecordVersion> Versions,
    [property: Key(4)] ErrorCode ErrorCode = ErrorCode.None,
    [property: Key(5)] string? ErrorMessage = null,
    [property: Key(6)] IReadOnlyList<RecordVersion>? Conflicts = null)
{
    public static CommitReply Committed(string txnId, long commitTs, IReadOnlyList<RecordVersion> versions) =>
        new(txnId, CommitStatus.Committed, commitTs, versions);

    public static CommitReply Rejected(string txnId, ErrorCode code, string message, IReadOnlyList<RecordVersion>? conflicts = null) =>
        new(txnId, CommitStatus.Rejected, 0, [], code, message, conflicts);
}
