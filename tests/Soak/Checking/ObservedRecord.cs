namespace Statehouse.Soak.Checking;

/// <summary>One record's current state as a get returns it (a never-written key: not existing, version 0, commit_ts 0).</summary>
internal sealed record ObservedRecord(string Agent, string Key, bool Exists, string? Value, long Version, long CommitTs);
