namespace Statehouse.Worker.Storage;

/// <summary>What one <see cref="HistoryPruner"/> pass did in one namespace.</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="Horizon">Its history horizon after the pass (commit_ts; everything at or above it is kept).</param>
/// <param name="Versions">History versions deleted.</param>
/// <param name="LogEntries">Log entries deleted (agent_log entries go with them, not counted).</param>
/// <param name="Compacted">True when the pass compacted the pruned ranges (it deleted many entries).</param>
internal sealed record HistoryPruneResult(string Namespace, long Horizon, long Versions, long LogEntries, bool Compacted);
