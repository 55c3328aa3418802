namespace Statehouse.Bench.Storage;

/// <summary>
/// What a <c>storage</c> run does (<see cref="Command"/>: commit, replay or all) and with which shape: group sizes
/// (transactions per synced write), repetitions of <see cref="Seconds"/> each, the replay stores to build, the
/// transactions' writes and value sizes (bytes, MessagePack header included), and the stores' root directory.
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
    bool Keep)
{
    public bool RunsCommit => Command is "commit" or "all";

    public bool RunsReplay => Command is "replay" or "all";
}
