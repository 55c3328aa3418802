using MessagePack;

namespace Statehouse.Worker.Storage;

/// <summary>A committed transaction in the log (commit_ts order) or, restricted to one agent, in agent_log.</summary>
[MessagePackObject]
internal sealed record LogEntry(
    [property: Key(0)] string TxnId,
    [property: Key(1)] string Namespace,
    [property: Key(2)] IReadOnlyList<LoggedOperation> Operations);
