using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>The worker refused the request (UNAUTHORIZED).</summary>
public sealed class StatehouseUnauthorizedException : StatehouseException
{
    public StatehouseUnauthorizedException(string message, string? txnId = null)
        : base(ErrorCode.Unauthorized, message, txnId)
    {
    }
}
