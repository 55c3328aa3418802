namespace Statehouse.Worker.Commit;

/// <summary>
/// What the commit loop needs of <see cref="CommitEngine"/>: apply a group as one synced write, and reopen the store
/// after a failed write. A seam so that the loop can be driven with injected storage failures in tests.
/// </summary>
internal interface ICommitApplier
{
    /// <summary>
    /// Applies <paramref name="requests"/> in order as one synced write; one outcome per request, in order. Throws
    /// <see cref="Storage.StorageWriteException"/> when the write fails (nothing of the group is stored); any other
    /// exception is a bug.
    /// </summary>
    CommitGroupResult Apply(IReadOnlyList<CommitRequest> requests);

    /// <summary>Reopens the store after a failed write; false, with the reason, while it still cannot be opened.</summary>
    bool TryRecoverStorage(out string? error);
}
