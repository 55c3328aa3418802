using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// A committed transaction as a replay shows it, its operations in transaction order. An agent's replay: only that
/// agent's operations, <see cref="AgentId"/> the agent. A namespace-wide replay (<see cref="ReadRequest.AgentId"/> empty):
/// every operation of the transaction, each naming its agent (<see cref="CommitEventOperation.AgentId"/>), and
/// <see cref="AgentId"/> empty.
/// </summary>
[MessagePackObject]
public sealed record CommitEvent(
    [property: Key(0)] string TxnId,
    [property: Key(1)] long CommitTs,
    [property: Key(2)] string AgentId,
    [property: Key(3)] IReadOnlyList<CommitEventOperation> Operations);
