namespace Statehouse.Client;

/// <summary>
/// One committed transaction, its operations in transaction order: as seen by one agent (<see cref="AgentId"/>: only that
/// agent's operations), or, from <see cref="StatehouseClient.FollowAsync"/> with <see cref="FollowFilter.ForNamespace"/>,
/// as a whole (<see cref="AgentId"/> empty; each <see cref="ReplayOperation.AgentId"/> names its agent).
/// </summary>
public sealed record ReplayEvent(string TxnId, long CommitTs, string AgentId, IReadOnlyList<ReplayOperation> Operations);
