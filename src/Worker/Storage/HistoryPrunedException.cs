namespace Statehouse.Worker.Storage;

/// <summary>
/// A read of history that retention pruned (<see cref="StoreReader.GetHistory"/> of a removed version,
/// <see cref="StoreReader.GetRecordAsOf"/> that what is kept cannot answer exactly): thrown instead of an answer that
/// would be wrong or partial. <see cref="Horizon"/> is the namespace's history horizon in the same view of the store.
/// The read service answers it HISTORY_PRUNED.
/// </summary>
internal sealed class HistoryPrunedException(string message, long horizon) : Exception(message)
{
    /// <summary>The namespace's history horizon (commit_ts): every version and log entry at or above it is kept.</summary>
    public long Horizon { get; } = horizon;
}
