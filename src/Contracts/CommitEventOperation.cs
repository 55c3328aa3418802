using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// One operation of a committed transaction as replayed: the record's new version and, for a write, its value.
/// <see cref="AgentId"/> (key 4, added with the namespace-wide replay) names the operation's agent in a namespace-wide
/// replay; an agent's replay leaves it null (every operation is that agent's). A reply without key 4 decodes as null.
/// </summary>
[MessagePackObject]
public sealed record CommitEventOperation(
    [property: Key(0)] string Key,
    [property: Key(1)] OperationKind Kind,
    [property: Key(2)] long Version,
    [property: Key(3)] byte[]? Value,
    [property: Key(4)] string? AgentId = null);
