namespace Statehouse.Contracts;

/// <summary>What one operation of a transaction does. Numeric values are part of the wire format.</summary>
public enum OperationKind : byte
{
    Write = 1,
    Delete = 2,
    ExpectVersion = 3,

    /// <summary>
    /// Fork at a commit: the target agent (<see cref="Operation.AgentId"/>) gets every live key of the source agent
    /// (<see cref="Operation.Key"/>) as of the commit_ts in <see cref="Operation.ExpectedVersion"/>, decided by the worker
    /// in this one transaction (<see cref="Operation.Fork"/>). Logged as the writes and deletes it makes.
    /// </summary>
    Fork = 4,
}
