namespace Statehouse.Soak.Checking;

/// <summary>One replayed transaction as one agent sees it: only that agent's operations.</summary>
internal sealed record ObservedEvent(string TxnId, long CommitTs, string Agent, IReadOnlyList<ObservedOperation> Operations);
