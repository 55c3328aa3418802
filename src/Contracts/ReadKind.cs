namespace Statehouse.Contracts;

/// <summary>The kind of a <see cref="ReadRequest"/>. Numeric values are part of the wire format.</summary>
public enum ReadKind : byte
{
    Get = 1,
    GetAtVersion = 2,
    GetAsOf = 3,
    ListKeys = 4,
    ScanPrefix = 5,
    Replay = 6,
    Health = 7,
    Version = 8,
    Stats = 9,

    /// <summary>Admin: take an online backup (checkpoint) named <see cref="ReadRequest.Key"/> (optional).</summary>
    Backup = 10,
}
