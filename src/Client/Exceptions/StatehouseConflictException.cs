using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>
/// An expect-version check failed (CONFLICT): the transaction wrote nothing. <see cref="Conflicts"/> holds the actual
/// version of every record whose expectation failed (0 = the record does not exist).
/// </summary>
public sealed class StatehouseConflictException : StatehouseException
{
    public StatehouseConflictException(string message, string? txnId, IReadOnlyList<RecordVersion> conflicts)
        : base(ErrorCode.Conflict, message, txnId)
    {
        Conflicts = conflicts;
    }

    /// <summary>The actual versions of the records whose expected version did not match.</summary>
    public IReadOnlyList<RecordVersion> Conflicts { get; }

    /// <summary>The actual version of one conflicting record, or null when that record did not conflict.</summary>
    public long? ActualVersionOf(string agentId, string key)
    {
        foreach (var conflict in Conflicts)
        {
            if (conflict.AgentId == agentId && conflict.Key == key)
            {
                return conflict.Version;
            }
        }

        return null;
    }
}
