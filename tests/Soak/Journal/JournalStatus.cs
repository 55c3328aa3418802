namespace Statehouse.Soak.Journal;

/// <summary>How a client's transaction ended.</summary>
internal enum JournalStatus
{
    /// <summary>Acknowledged as committed, with a commit_ts: must be visible exactly as sent.</summary>
    Committed,

    /// <summary>Acknowledged as rejected (a conflict, an expired deadline...): must leave nothing.</summary>
    Rejected,

    /// <summary>No answer after every attempt: may be applied, at most once and whole.</summary>
    InDoubt,
}
