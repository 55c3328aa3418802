using Statehouse.Contracts;

namespace Statehouse.Client.Exceptions;

/// <summary>
/// The read asked for history that retention pruned on the worker that answered (HISTORY_PRUNED): a version older than
/// those kept (<see cref="StatehouseClient.GetStateAtVersionAsync{T}"/>), the state as of a commit_ts that what is kept
/// cannot answer exactly (<see cref="StatehouseClient.GetStateAsOfAsync{T}"/>), or a replay that starts below the
/// namespace's history horizon (<see cref="StatehouseClient.ReplayAsync"/>). Nothing partial or guessed is returned
/// instead. Not retryable as it is: read at or above <see cref="Horizon"/>.
/// </summary>
public sealed class StatehouseHistoryPrunedException : StatehouseException
{
    public StatehouseHistoryPrunedException(string message, long horizon)
        : base(ErrorCode.HistoryPruned, message) =>
        Horizon = horizon;

    /// <summary>
    /// The namespace's history horizon on the worker that answered: a commit_ts; every version and every replay event
    /// with a commit_ts at or above it is kept (docs/guarantees.md, "Bounded history"). Horizons are per worker.
    /// </summary>
    public long Horizon { get; }
}
