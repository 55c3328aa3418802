using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>The worker's storage failed (STORAGE_ERROR); for a read, retry later. A commit that failed this way wrote nothing.</summary>
public sealed class StatehouseStorageException : StatehouseException
{
    public StatehouseStorageException(string message, string? txnId = null)
        : base(ErrorCode.StorageError, message, txnId)
    {
    }
}
