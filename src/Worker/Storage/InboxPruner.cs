using Microsoft.Extensions.Logging;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Deletes inbox entries (txn_id → reply) once they are older than the retention AND their transaction's deadline has
/// passed. Runs beside the commit loop and never blocks it: deletes go in small unsynced batches (an entry that
/// survives a crash is simply pruned on the next pass). The validator refuses a message seen after its deadline
/// (TXN_EXPIRED), so a pruned txn_id can never be applied twice (docs/guarantees.md, "Exactly once").
/// </summary>
internal sealed class InboxPruner(StateStore store, TimeProvider time, TimeSpan retention)
{
    private const int ChunkSize = 1000;

    /// <summary>
    /// Prunes at once and then every tenth of the retention (between 10 s and 1 h) until <paramref name="stopping"/>,
    /// beside the commit loop: its unsynced deletes never wait for, or hold up, a group commit. A failed pass (a full or
    /// failing disk, which the commit loop reports too) is logged and tried again next time; never throws.
    /// </summary>
    /// <param name="logger">The worker service's logger, which writes the pruning lines.</param>
    /// <param name="stopping">Ends the loop (and a pass in progress).</param>
    public async Task RunAsync(ILogger logger, CancellationToken stopping)
    {
        var interval = TimeSpan.FromTicks(Math.Clamp(retention.Ticks / 10, TimeSpan.TicksPerSecond * 10, TimeSpan.TicksPerHour));
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                try
                {
                    var pruned = await Task.Run(() => PruneOnce(stopping), stopping);
                    if (pruned > 0)
                    {
                        logger.InboxPruned(pruned, retention);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.InboxPruneFailed(ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Removes every entry stored before now − retention whose deadline is before now; returns how many.</summary>
    public long PruneOnce(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var cutoff = (time.GetUtcNow() - retention).ToUnixTimeMilliseconds();
        long pruned = 0;
        var expired = new List<string>(ChunkSize);
        using var lease = store.EnterRead();
        using var reader = StoreReader.OpenSnapshot(store);
        foreach (var (txnId, entry) in reader.ReadInbox())
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (entry.StoredAtUnixMs < cutoff && entry.DeadlineUnixMs < now)
            {
                expired.Add(txnId);
            }

            if (expired.Count == ChunkSize)
            {
                pruned += Delete(expired);
            }
        }

        return pruned + Delete(expired);
    }

    private int Delete(List<string> txnIds)
    {
        if (txnIds.Count == 0)
        {
            return 0;
        }

        using var batch = new StoreBatch(store);
        foreach (var txnId in txnIds)
        {
            batch.DeleteReply(txnId);
        }

        batch.WriteUnsynced();
        var count = txnIds.Count;
        txnIds.Clear();
        return count;
    }
}
