namespace Statehouse.Soak.Checking;

/// <summary>
/// Everything the checker reads from the worker once the soak is over: the last commit_ts, every agent's full replay
/// (in the order the worker returned it), every record's current state, and every agent's key listing.
/// </summary>
internal sealed record Observation(
    long LastCommitTs,
    IReadOnlyDictionary<string, IReadOnlyList<ObservedEvent>> Replays,
    IReadOnlyList<ObservedRecord> Records,
    IReadOnlyDictionary<string, IReadOnlyList<string>> ListedKeys);
