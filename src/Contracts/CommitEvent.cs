using MessagePack;

namespace Statehouse.Contracts;

/// <summary>A committed transaction as seen by one agent's replay: only that agent's operations, in transaction order.</summary>
[MessagePackObject]
public sealed record CommitEvent(
    [property: Key(0)] string TxnId,
    [property: Key(1)] long CommitTs,
    [property: Key(2)] string AgentId,
    [property: Key(3)] IReadOnlyList<CommitEventOperation> Operations);
