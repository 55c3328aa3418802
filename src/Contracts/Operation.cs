using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// One operation of a transaction on the record <c>(namespace, AgentId, Key)</c>.
/// <see cref="Value"/> holds the MessagePack bytes of the value for a write (stored exactly as sent);
/// <see cref="ExpectedVersion"/> is used by <see cref="OperationKind.ExpectVersion"/> (0 = must not exist).
/// A <see cref="OperationKind.Fork"/> reuses the fields (so that every other operation keeps its exact bytes on the wire):
/// <see cref="AgentId"/> is the target agent, <see cref="Key"/> the source agent, <see cref="ExpectedVersion"/> the
/// commit_ts to fork at, <see cref="Value"/> nil; see <see cref="Fork"/>.
/// </summary>
[MessagePackObject]
public sealed record Operation(
    [property: Key(0)] OperationKind Kind,
    [property: Key(1)] string AgentId,
    [property: Key(2)] string Key,
    [property: Key(3)] byte[]? Value = null,
    [property: Key(4)] long ExpectedVersion = 0)
{
    public static Operation Write(string agentId, string key, byte[] value) => new(OperationKind.Write, agentId, key, value);

    public static Operation Delete(string agentId, string key) => new(OperationKind.Delete, agentId, key);

    public static Operation Expect(string agentId, string key, long version) => new(OperationKind.ExpectVersion, agentId, key, null, version);

    /// <summary>
    /// Gives <paramref name="targetAgentId"/> every live key of <paramref name="sourceAgentId"/> as of
    /// <paramref name="atCommitTs"/> (values byte-identical) and the provenance note <see cref="ForkNote.ReservedKey"/>.
    /// The target's live keys must be exactly those named by the transaction's expect-version operations on the target
    /// (none: it must be empty), and are deleted first; otherwise the worker answers CONFLICT. A fork transaction holds
    /// one fork operation and only expect-version operations on its target beside it.
    /// </summary>
    public static Operation Fork(string targetAgentId, string sourceAgentId, long atCommitTs) =>
        new(OperationKind.Fork, targetAgentId, sourceAgentId, null, atCommitTs);
}
