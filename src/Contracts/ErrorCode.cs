namespace Statehouse.Contracts;

/// <summary>Error codes carried in replies. Numeric values are part of the wire format.</summary>
public enum ErrorCode
{
    None = 0,
    InvalidRequest = 1,
    TxnExpired = 2,
    Conflict = 3,
    KeyNotFound = 4,
    VersionNotFound = 5,
    PayloadTooLarge = 6,
    Unauthorized = 7,
    StorageError = 8,
    InternalError = 9,
}
