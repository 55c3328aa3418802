using MessagePack;

namespace Statehouse.Worker.Storage;

/// <summary>
/// A committed transaction in the log (commit_ts order) or, restricted to one agent, in agent_log.
/// <see cref="CommittedAtUnixMs"/> is the primary's clock when it decided the transaction's group (Unix ms), which the
/// history pruner's KeepNewerThan rule reads; entries written by schema-1 workers lack it and read 0 (docs/storage.md).
/// </summary>
[MessagePackObject]
internal sealed record LogEntry(
    [property: Key(0)] string TxnId,
    [property: Key(1)] string Namespace,
    [property: Key(2)] IReadOnlyList<LoggedOperation> Operations,
    [property: Key(3)] long CommittedAtUnixMs = 0);
