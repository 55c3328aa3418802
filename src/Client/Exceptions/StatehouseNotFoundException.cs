using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>
/// A read asked for something that does not exist (KEY_NOT_FOUND or VERSION_NOT_FOUND in <see cref="StatehouseException.Code"/>),
/// e.g. a version a record never had. Reading the current state of a missing key does not throw: it returns
/// <see cref="StateResult{T}.Exists"/> = false.
/// </summary>
public sealed class StatehouseNotFoundException : StatehouseException
{
    public StatehouseNotFoundException(ErrorCode code, string message)
        : base(code, message)
    {
    }
}
