using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>
/// Root of every error the Statehouse client reports. <see cref="Code"/> is the worker's error code
/// (<see cref="ErrorCode.None"/> when the worker never answered: see <see cref="StatehouseTimeoutException"/> and
/// <see cref="StatehouseUnavailableException"/>); <see cref="TxnId"/> names the transaction when a commit failed.
/// </summary>
public class StatehouseException : Exception
{
    public StatehouseException(ErrorCode code, string message, string? txnId = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        TxnId = txnId;
    }

    /// <summary>The error code (INVALID_REQUEST, CONFLICT, ...; see <see cref="ErrorCodeNames.ToWireName"/>).</summary>
    public ErrorCode Code { get; }

    /// <summary>The transaction the error belongs to, when it came from a commit.</summary>
    public string? TxnId { get; }
}
