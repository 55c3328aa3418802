namespace Statehouse.Soak.Checking;

/// <summary>One write or delete as replay shows it; <see cref="Value"/> is the written marker (null for a delete).</summary>
internal sealed record ObservedOperation(string Key, bool Delete, string? Value, long Version);
