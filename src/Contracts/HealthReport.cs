using MessagePack;

namespace Statehouse.Contracts;

/// <summary>The worker's health: whether it can commit, the last commit_ts, and why not when unhealthy.</summary>
[MessagePackObject]
public sealed record HealthReport(
    [property: Key(0)] bool Healthy,
    [property: Key(1)] string Status,
    [property: Key(2)] long LastCommitTs,
    [property: Key(3)] string ServerVersion,
    [property: Key(4)] int SchemaVersion,
    [property: Key(5)] string? Detail = null);
