using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Commit;

/// <summary>
/// What the commit loop needs of <see cref="CommitEngine"/>: decide a group and write it as one synced write (in one
/// step, <see cref="Apply"/>, or two, with the log publish between them under replication), and reopen the store after
/// a failed write. A seam so that the loop can be driven with injected storage failures in tests.
/// </summary>
internal interface ICommitApplier
{
    /// <summary>
    /// Applies <paramref name="requests"/> in order as one synced write; one outcome per request, in order. Throws
    /// <see cref="StorageWriteException"/> when the write fails (nothing of the group is stored); any other
    /// exception is a bug.
    /// </summary>
    CommitGroupResult Apply(IReadOnlyList<CommitRequest> requests);

    /// <summary>Decides <paramref name="requests"/> without writing anything (<see cref="CommitEngine.Decide"/>).</summary>
    DecidedGroup Decide(IReadOnlyList<CommitRequest> requests);

    /// <summary>
    /// Writes a decided group, with <paramref name="position"/> when not null, as one synced write
    /// (<see cref="CommitEngine.Write"/>). Throws <see cref="StorageWriteException"/> when the write fails.
    /// </summary>
    CommitGroupResult Write(DecidedGroup group, ReplicationPosition? position);

    /// <summary>Drops the engine's caches of the store (<see cref="CommitEngine.Forget"/>).</summary>
    void Forget();

    /// <summary>Reopens the store after a failed write; false, with the reason, while it still cannot be opened.</summary>
    bool TryRecoverStorage(out string? error);
}
