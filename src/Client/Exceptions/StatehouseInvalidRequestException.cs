using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>The worker rejected the request as malformed or outside its limits (INVALID_REQUEST); resending it cannot succeed.</summary>
public sealed class StatehouseInvalidRequestException : StatehouseException
{
    public StatehouseInvalidRequestException(string message, string? txnId = null)
        : base(ErrorCode.InvalidRequest, message, txnId)
    {
    }
}
