using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// The worker's health: whether it can commit, the last commit_ts (a replica's: the last one it applied from the log),
/// why not when unhealthy, and with replication its role: <c>primary</c> (it commits) or <c>replica</c> (it follows the log).
/// </summary>
[MessagePackObject]
public sealed record HealthReport(
    [property: Key(0)] bool Healthy,
    [property: Key(1)] string Status,
    [property: Key(2)] long LastCommitTs,
    [property: Key(3)] string ServerVersion,
    [property: Key(4)] int SchemaVersion,
    [property: Key(5)] string? Detail = null,
    [property: Key(6)] string? Role = null);
