using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>The worker saw the transaction after its deadline and did not apply it (TXN_EXPIRED).</summary>
public sealed class StatehouseTxnExpiredException : StatehouseException
{
    public StatehouseTxnExpiredException(string message, string? txnId = null)
        : base(ErrorCode.TxnExpired, message, txnId)
    {
    }
}
