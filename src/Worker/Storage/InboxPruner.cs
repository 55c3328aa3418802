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
