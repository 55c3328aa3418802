using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// The state of one record as read. <see cref="Exists"/> is false for a key never written or deleted
/// (a tombstone still carries its version and commit_ts). <see cref="Value"/> holds the exact MessagePack bytes written.
/// </summary>
[MessagePackObject]
public sealed record StateRecord(
    [property: Key(0)] string Key,
    [property: Key(1)] bool Exists,
    [property: Key(2)] byte[]? Value,
    [property: Key(3)] long Version,
    [property: Key(4)] long CommitTs);
