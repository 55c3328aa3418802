namespace Statehouse.Bench.Results;

/// <summary>
/// How far the replica was behind the primary during the measured window, in commit_ts (transactions): the primary's
/// last commit_ts minus the replica's applied one, each read from the worker's own /health, sampled every
/// <see cref="IntervalMs"/> ms (both read at once, so a sample is as exact as two HTTP round trips).
/// <see cref="CatchUpSeconds"/> is how long after the load stopped the replica reached the primary's last commit_ts
/// (null when it did not within the wait).
/// </summary>
internal sealed record ReplicaLag(
    int IntervalMs,
    int Samples,
    int FailedSamples,
    double MeanCommits,
    long P50Commits,
    long P99Commits,
    long MaxCommits,
    double? CatchUpSeconds);
