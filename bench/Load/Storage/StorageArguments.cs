namespace Statehouse.Bench.Storage;

/// <summary>
/// What a <c>storage</c> run does (<see cref="Command"/>: commit, replay, all or history) and with which shape: group sizes
/// (transactions per synced write), repetitions of <see cref="Seconds"/> each, the replay stores to build, the
/// transactions' writes and value sizes (bytes, MessagePack header included), the stores' root directory, and for
/// history the transactions per store, the retention's N and how often its pruner runs (in transactions).
/// </summary>
internal sealed record StorageArguments(
    string Command,
    IReadOnlyList<int> GroupSizes,
    double Seconds,
    int Reps,
    IReadOnlyList<StoreShape> Stores,
    int BuildGroup,
    int Runs,
    int ColdRuns,
    bool Reuse,
    bool Probe,
    int Operations,
    int ValueBytes,
    int KeysPerAgent,
    int Agents,
    string Root,
    bool Keep,
    long Transactions = 1_000_000,
    int KeepVersions = 10,
    long PruneEvery = 100_000)
{
    public bool RunsCommit => Command is "commit" or "all";

    public bool RunsReplay => Command is "replay" or "all";

    /// <summary>Only on its own (<c>storage history</c>): it commits two stores of <see cref="Transactions"/> each.</summary>
    public bool RunsHistory => Command is "history";
}
