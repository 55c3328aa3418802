using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>
/// No reply arrived after every attempt (<see cref="StatehouseException.Code"/> is <see cref="ErrorCode.None"/>: the
/// worker never answered). For a commit the outcome is unknown: the message may still be queued and applied before its
/// deadline. Committing again with the same <see cref="StatehouseException.TxnId"/> is safe (the worker applies a
/// txn_id at most once and answers a resend with the first outcome).
/// </summary>
public sealed class StatehouseTimeoutException : StatehouseException
{
    public StatehouseTimeoutException(string message, string? txnId, int attempts, TimeSpan attemptTimeout, Exception? lastError = null)
        : base(ErrorCode.None, message, txnId, lastError)
    {
        Attempts = attempts;
        AttemptTimeout = attemptTimeout;
    }

    /// <summary>How many times the request was published.</summary>
    public int Attempts { get; }

    /// <summary>How long each attempt waited.</summary>
    public TimeSpan AttemptTimeout { get; }

    /// <summary>
    /// For a commit, its deadline (UTC): until then the message may still be applied; a worker that takes it later
    /// refuses it with TXN_EXPIRED. Null for a read, or a commit sent without a deadline.
    /// </summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>The whole time waited (<see cref="Attempts"/> × <see cref="AttemptTimeout"/>).</summary>
    public TimeSpan TotalTimeout => AttemptTimeout * Attempts;
}
