namespace Statehouse.Client;

/// <summary>One committed transaction as seen by one agent: only that agent's operations, in transaction order.</summary>
public sealed record ReplayEvent(string TxnId, long CommitTs, string AgentId, IReadOnlyList<ReplayOperation> Operations);
