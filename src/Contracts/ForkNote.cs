using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// The provenance note a fork writes into its target agent, under the reserved key <see cref="ReservedKey"/>, in the
/// fork's own transaction: a MessagePack map <c>{source_agent, namespace, commit_ts, txn_id}</c> (shown as that JSON
/// object by the CLI). It is an ordinary record, so listings, reads and replay show it; a later fork (with replace) of
/// the same target overwrites it, and a fork of an agent that was itself forked does not copy the source's note.
/// </summary>
/// <param name="SourceAgent">The agent the state was copied from.</param>
/// <param name="Namespace">The namespace of both agents.</param>
/// <param name="CommitTs">The commit_ts the source was read as of.</param>
/// <param name="TxnId">The fork transaction's txn_id.</param>
[MessagePackObject]
public sealed record ForkNote(
    [property: Key("source_agent")] string SourceAgent,
    [property: Key("namespace")] string Namespace,
    [property: Key("commit_ts")] long CommitTs,
    [property: Key("txn_id")] string TxnId)
{
    /// <summary>The key a fork writes its note under in the target agent; applications should not write it themselves.</summary>
    public const string ReservedKey = "statehouse.fork";
}
