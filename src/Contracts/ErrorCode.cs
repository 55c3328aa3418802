namespace Statehouse.Contracts;

/// <summary>Error codes carried in replies. Numeric values are part of the wire format.</summary>
public enum ErrorCode
{
    None = 0,
    InvalidRequest = 1,
    TxnExpired = 2,
    Conflict = 3,
    KeyNotFound = 4,
    VersionNotFound = 5,
    PayloadTooLarge = 6,
    Unauthorized = 7,
    StorageError = 8,
    InternalError = 9,

    /// <summary>
    /// A read's <c>min_commit_ts</c> is beyond what this worker has applied, still after its catch-up wait (a replica
    /// behind the log). Retryable: another worker, or this one a moment later, may answer.
    /// </summary>
    NotCaughtUp = 10,

    /// <summary>
    /// The read asks for history below the namespace's history horizon on this worker (a version, an as-of state or a
    /// replay range that retention pruned; docs/guarantees.md, "Bounded history"). The reply's
    /// <see cref="ReadReply.Horizon"/> is the lowest commit_ts from which everything is kept. Not retryable: ask at or
    /// above the horizon.
    /// </summary>
    HistoryPruned = 11,
}
