using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>The one place that turns a worker's error code into the matching exception type.</summary>
internal static class StatehouseErrors
{
    public static StatehouseException FromReply(ErrorCode code, string? message, string? txnId = null, IReadOnlyList<RecordVersion>? conflicts = null,
        long horizon = 0)
    {
        var text = $"{code.ToWireName()}: {(string.IsNullOrEmpty(message) ? "(no message)" : message)}";
        if (txnId is not null)
        {
            text += $" (txn {txnId})";
        }

        return code switch
        {
            ErrorCode.Conflict => new StatehouseConflictException(text, txnId, conflicts ?? []),
            ErrorCode.InvalidRequest => new StatehouseInvalidRequestException(text, txnId),
            ErrorCode.TxnExpired => new StatehouseTxnExpiredException(text, txnId),
            ErrorCode.PayloadTooLarge => new StatehousePayloadTooLargeException(text, txnId),
            ErrorCode.Unauthorized => new StatehouseUnauthorizedException(text, txnId),
            ErrorCode.StorageError => new StatehouseStorageException(text, txnId),
            ErrorCode.NotCaughtUp => new StatehouseNotCaughtUpException(text),
            ErrorCode.HistoryPruned => new StatehouseHistoryPrunedException(text, horizon),
            ErrorCode.KeyNotFound or ErrorCode.VersionNotFound => new StatehouseNotFoundException(code, text),
            _ => new StatehouseException(code, text, txnId),
        };
    }
}
