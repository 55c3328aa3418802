using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>The transaction or a value exceeds the worker's size limits (PAYLOAD_TOO_LARGE); nothing was written.</summary>
public sealed class StatehousePayloadTooLargeException : StatehouseException
{
    public StatehousePayloadTooLargeException(string message, string? txnId = null)
        : base(ErrorCode.PayloadTooLarge, message, txnId)
    {
    }
}
