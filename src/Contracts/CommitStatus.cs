namespace Statehouse.Contracts;

/// <summary>Outcome of a commit. Numeric values are part of the wire format.</summary>
public enum CommitStatus : byte
{
    Committed = 1,
    Rejected = 2,
}
