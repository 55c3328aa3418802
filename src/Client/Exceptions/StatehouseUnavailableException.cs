using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>
/// The broker could not take the request: it is unreachable, or the queue the request goes to does not exist
/// (the worker declares the topology when it starts). <see cref="StatehouseException.Code"/> is <see cref="ErrorCode.None"/>.
/// Nothing was applied.
/// </summary>
public sealed class StatehouseUnavailableException : StatehouseException
{
    public StatehouseUnavailableException(string message, string? txnId = null, Exception? innerException = null)
        : base(ErrorCode.None, message, txnId, innerException)
    {
    }
}
