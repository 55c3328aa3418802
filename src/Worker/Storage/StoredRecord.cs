using MessagePack;

namespace Statehouse.Worker.Storage;

/// <summary>A record as stored in the state and history column families. A tombstone has <see cref="Deleted"/> set and no value.</summary>
[MessagePackObject]
internal sealed record StoredRecord(
    [property: Key(0)] long Version,
    [property: Key(1)] long CommitTs,
    [property: Key(2)] bool Deleted,
    [property: Key(3)] byte[]? Value);
