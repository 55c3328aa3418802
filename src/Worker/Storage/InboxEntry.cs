using MessagePack;

namespace Statehouse.Worker.Storage;

/// <summary>
/// txn_id → the serialized reply sent for it, when it was stored (for pruning), and the namespace it was for
/// (a txn_id reused for another namespace is refused rather than answered with another namespace's reply), and the
/// <see cref="Commit.TransactionDigest"/> of the transaction (32 bytes; a txn_id reused for other operations is refused).
/// Entries written before the digest existed have none: a resend under their txn_id is answered without that check.
/// </summary>
[MessagePackObject]
internal sealed record InboxEntry(
    [property: Key(0)] long StoredAtUnixMs,
    [property: Key(1)] byte[] Reply,
    [property: Key(2)] string? Namespace = null,
    [property: Key(3)] byte[]? Digest = null);
