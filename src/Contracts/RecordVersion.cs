using MessagePack;

namespace Statehouse.Contracts;

/// <summary>The version of the record <c>(namespace, AgentId, Key)</c>.</summary>
[MessagePackObject]
public sealed record RecordVersion(
    [property: Key(0)] string AgentId,
    [property: Key(1)] string Key,
    [property: Key(2)] long Version);
