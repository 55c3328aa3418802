using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>
/// No worker that answered had applied the read's min_commit_ts (NOT_CAUGHT_UP): the client's own commits, or a
/// commit_ts given to <see cref="StatehouseClient.ObserveCommitTs"/>, are not on those workers yet (replicas behind the
/// log). The client retried for <see cref="StatehouseClientOptions.ReadTimeout"/> × <see cref="StatehouseClientOptions.MaxReadAttempts"/>;
/// retry later. Nothing is wrong with the request.
/// </summary>
public sealed class StatehouseNotCaughtUpException : StatehouseException
{
    public StatehouseNotCaughtUpException(string message)
        : base(ErrorCode.NotCaughtUp, message)
    {
    }
}
