namespace Statehouse.Soak.Checking;

/// <summary>The invariants the soak checks; each violation counts under one of them.</summary>
internal enum ViolationKind
{
    /// <summary>An acknowledged commit is missing, at another commit_ts, or with another value or version.</summary>
    Lost,

    /// <summary>A transaction is visible with only some of its operations (or operations it did not send).</summary>
    Partial,

    /// <summary>A txn_id appears at two commit_ts.</summary>
    Duplicate,

    /// <summary>A commit_ts of 1..M is missing, lies outside it, or belongs to two transactions.</summary>
    Gaps,

    /// <summary>Replaying an agent does not reproduce its current state (values, versions, existence, key listing).</summary>
    ReplayMismatch,

    /// <summary>A transaction acknowledged as rejected, or one no client sent, is visible.</summary>
    Phantom,

    /// <summary>
    /// Replicated runs: a worker's store differs from another's (a column family's digest), its log has a gap or a
    /// txn_id twice, or its log is not the history the checker read.
    /// </summary>
    StoreMismatch,
}
