using MessagePack;

namespace Statehouse.Contracts;

/// <summary>One operation of a committed transaction as replayed: the record's new version and, for a write, its value.</summary>
[MessagePackObject]
public sealed record CommitEventOperation(
    [property: Key(0)] string Key,
    [property: Key(1)] OperationKind Kind,
    [property: Key(2)] long Version,
    [property: Key(3)] byte[]? Value);
