using Microsoft.Extensions.Logging;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Bounded history (docs/storage.md, "History horizons"): removes, per namespace, the history versions and log entries
/// its <see cref="HistoryRetention"/> lets go, and keeps the namespace's history horizon H, a commit_ts below which
/// reads of history answer HISTORY_PRUNED. Runs beside the commit loop and never blocks it, like the
/// <see cref="InboxPruner"/>. The rule it keeps: every version and every log/agent_log entry with commit_ts ≥ H is kept,
/// a version goes only once the version that replaced it is at or below H (so the state as of every commit_ts ≥ H is
/// kept), a record's latest version always, and H only rises. Each pass works on one snapshot: it first decides the new H,
/// writes it with sync (alone, before anything is deleted), then deletes what lies below it in small unsynced batches.
/// A crash loses at most deletes, never the horizon that covers them; the next pass deletes them again.
/// </summary>
internal sealed class HistoryPruner(StateStore store, HistoryOptions options, TimeProvider time)
{
    private const int ChunkSize = 1000;

    /// <summary>A pass that deleted at least this many entries compacts the ranges it pruned.</summary>
    private const long CompactAfterDeletes = 10_000;

    /// <summary>
    /// Prunes at once and then every <see cref="HistoryOptions.PruneIntervalSeconds"/> until <paramref name="stopping"/>;
    /// returns at once when no namespace's retention prunes anything. A failed pass (a full or failing disk, which the
    /// commit loop reports too) is logged and tried again next time; never throws.
    /// </summary>
    /// <param name="logger">The worker service's logger, which writes the pruning lines.</param>
    /// <param name="stopping">Ends the loop (and a pass in progress, between namespaces and chunks).</param>
    public async Task RunAsync(ILogger logger, CancellationToken stopping)
    {
        if (!options.Retention.Prunes)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.PruneIntervalSeconds), time);
        try
        {
            do
            {
                try
                {
                    foreach (var pass in await Task.Run(() => PruneOnce(stopping), stopping))
                    {
                        logger.HistoryPruned(pass.Namespace, pass.Versions, pass.LogEntries, pass.Horizon, pass.Compacted);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.HistoryPruneFailed(ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// One pass over every namespace whose rule prunes: what it removed, per namespace that changed. Throws
    /// <see cref="StorageWriteException"/> or <see cref="StorageReadException"/> when the store fails (the horizon,
    /// written first, then still covers whatever was deleted).
    /// </summary>
    public IReadOnlyList<HistoryPruneResult> PruneOnce(CancellationToken cancellationToken = default)
    {
        var results = new List<HistoryPruneResult>();
        using var lease = store.EnterRead();
        using (var reader = StoreReader.OpenSnapshot(store))
        {
            foreach (var ns in reader.ReadNamespaces().ToList())
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                if (options.Retention.For(ns) is { Prunes: true } retention && PruneNamespace(reader, ns, retention, cancellationToken) is { } result)
                {
                    results.Add(result);
                }
            }
        }

        // After the snapshot is gone: compaction keeps whatever a live snapshot can still see.
        foreach (var pruned in results.Where(r => r.Compacted))
        {
            store.CompactHistory(pruned.Namespace, pruned.Horizon);
        }

        return results;
    }

    private HistoryPruneResult? PruneNamespace(StoreReader reader, string ns, HistoryRetention retention, CancellationToken cancellationToken)
    {
        var current = reader.GetHorizon(ns);
        // KeepNewerThan: everything from the first commit within T on is kept (the last commit's log entry always: the
        // store's open check reads it), everything before it may go but for each record's latest version. Read in the
        // pass's snapshot, so commits made since never count as older than T.
        long? byAge = null;
        if (retention.KeepNewerThan is { } keepNewerThan)
        {
            var cutoff = (time.GetUtcNow() - keepNewerThan).ToUnixTimeMilliseconds();
            byAge = reader.FindFirstCommitSince(Math.Max(current, 1), cutoff);
        }

        // A version goes only once the version that replaced it is at or below the new horizon, so the state as of every
        // commit_ts from the horizon on stays exact (as-of reads, forks), not only the versions committed from it on.
        var keep = retention.KeepVersions;
        bool Prune(long latest, StoredRecord version, long replacedAtTs) =>
            (keep is { } n && version.Version <= latest - n) || (byAge is { } h && replacedAtTs <= h);

        // The new horizon covers every version this pass deletes; it never falls.
        var horizon = Math.Max(current, byAge ?? 0);
        foreach (var (_, _, replacedAtTs) in reader.ReadPrunableVersions(ns, Prune))
        {
            horizon = Math.Max(horizon, replacedAtTs);
        }

        if (horizon <= 1)
        {
            return null;
        }

        if (horizon > current)
        {
            using var raise = new StoreBatch(store);
            raise.SetHorizon(ns, horizon);
            raise.WriteHousekeepingSynced();
        }

        // Below the synced horizon now: unsynced deletes (one snapshot, so the same versions as above).
        var deletes = new Deletes(store);
        long versions = 0;
        foreach (var (record, version, _) in reader.ReadPrunableVersions(ns, Prune))
        {
            deletes.Add(batch => batch.DeleteHistory(record, version), cancellationToken);
            versions++;
        }

        long logEntries = 0;
        foreach (var commitTs in reader.ReadLogBelow(ns, horizon))
        {
            deletes.Add(batch => batch.DeleteLog(commitTs), cancellationToken);
            logEntries++;
        }

        foreach (var (agentId, commitTs) in reader.ReadAgentLogBelow(ns, horizon))
        {
            deletes.Add(batch => batch.DeleteAgentLog(ns, agentId, commitTs), cancellationToken);
        }

        deletes.Flush();
        return horizon > current || deletes.Total > 0
            ? new HistoryPruneResult(ns, horizon, versions, logEntries, Compacted: deletes.Total >= CompactAfterDeletes)
            : null;
    }

    /// <summary>Deletes staged in batches of <see cref="ChunkSize"/>, each written unsynced.</summary>
    private sealed class Deletes(StateStore store)
    {
        private StoreBatch? _batch;
        private int _staged;

        public long Total { get; private set; }

        public void Add(Action<StoreBatch> delete, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            delete(_batch ??= new StoreBatch(store));
            Total++;
            if (++_staged == ChunkSize)
            {
                Flush();
            }
        }

        public void Flush()
        {
            if (_batch is null)
            {
                return;
            }

            using (_batch)
            {
                _batch.WriteUnsynced();
            }

            _batch = null;
            _staged = 0;
        }
    }
}
