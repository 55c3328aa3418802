namespace Statehouse.Worker.Commit;

/// <summary>The outcomes of one group, in request order, after its single synced write returned.</summary>
internal sealed record CommitGroupResult(IReadOnlyList<CommitOutcome> Outcomes, int Committed, long LastCommitTs);
