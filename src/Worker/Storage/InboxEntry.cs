using MessagePack;

namespace Statehouse.Worker.Storage;

/// <summary>txn_id → the serialized reply sent for it, and when it was stored (for pruning).</summary>
[MessagePackObject]
internal sealed record InboxEntry(
    [property: Key(0)] long StoredAtUnixMs,
    [property: Key(1)] byte[] Reply);
