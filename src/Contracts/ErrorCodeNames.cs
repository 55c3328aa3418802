namespace Statehouse.Contracts;

/// <summary>The documented, upper-case names of <see cref="ErrorCode"/> (INVALID_REQUEST, CONFLICT, ...).</summary>
public static class ErrorCodeNames
{
    public static string ToWireName(this ErrorCode code) => code switch
    {
        ErrorCode.None => "OK",
        ErrorCode.InvalidRequest => "INVALID_REQUEST",
        ErrorCode.TxnExpired => "TXN_EXPIRED",
        ErrorCode.Conflict => "CONFLICT",
        ErrorCode.KeyNotFound => "KEY_NOT_FOUND",
        ErrorCode.VersionNotFound => "VERSION_NOT_FOUND",
        ErrorCode.PayloadTooLarge => "PAYLOAD_TOO_LARGE",
        ErrorCode.Unauthorized => "UNAUTHORIZED",
        ErrorCode.StorageError => "STORAGE_ERROR",
        ErrorCode.InternalError => "INTERNAL_ERROR",
        ErrorCode.NotCaughtUp => "NOT_CAUGHT_UP",
        ErrorCode.HistoryPruned => "HISTORY_PRUNED",
        _ => "UNKNOWN_" + ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
