using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Commit;

/// <summary>
/// A group the engine decided but has not written (<see cref="CommitEngine.Decide"/>): one outcome per request in
/// request order, the commit_ts range it hands out, and its changes to the store in order. With replication these
/// changes travel in the group's log record before <see cref="CommitEngine.Write"/> stores them (docs/replication.md).
/// </summary>
/// <param name="Outcomes">One per request, in request order; valid only once the group is written.</param>
/// <param name="Committed">Transactions that commit (each one commit_ts).</param>
/// <param name="FirstCommitTs">The store's last commit_ts + 1 when decided: the first commit_ts the group hands out.</param>
/// <param name="LastCommitTs">The store's last commit_ts after the group (FirstCommitTs - 1 when nothing commits).</param>
/// <param name="Changes">What the group writes, in order; empty when every request is answered without a write.</param>
internal sealed record DecidedGroup(
    IReadOnlyList<CommitOutcome> Outcomes, int Committed, long FirstCommitTs, long LastCommitTs, StoreChanges Changes)
{
    /// <summary>False when nothing is to be written (every message a duplicate, or none with a txn_id).</summary>
    public bool NeedsWrite => Changes.Count > 0;

    /// <summary>The versions the group's records reach, for the engine's cache once the group is written.</summary>
    internal IReadOnlyDictionary<RecordKey, RecordVersionCache.Entry> Versions { get; init; } =
        new Dictionary<RecordKey, RecordVersionCache.Entry>();
}
