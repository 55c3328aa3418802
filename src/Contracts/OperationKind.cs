namespace Statehouse.Contracts;

/// <summary>What one operation of a transaction does. Numeric values are part of the wire format.</summary>
public enum OperationKind : byte
{
    Write = 1,
    Delete = 2,
    ExpectVersion = 3,
}
