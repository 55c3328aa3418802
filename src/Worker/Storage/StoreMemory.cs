namespace Statehouse.Worker.Storage;

/// <summary>
/// The store's memory budget. RocksDB's defaults give every column family its own 64 MiB memtables and its own block
/// cache, and never cap the write-ahead log, so six column families can hold most of a gigabyte, growing with the
/// store. Here all column families share one block cache (which also holds the index and filter blocks of the table
/// files) and one write-buffer budget, so the worker's memory stays flat however large the store grows.
/// </summary>
/// <param name="BlockCacheBytes">The shared LRU block cache: data, index and bloom-filter blocks of all table files.</param>
/// <param name="WriteBufferBytes">
/// All memtables together. Past it RocksDB flushes the largest; one column family's memtable is a quarter of it.
/// </param>
internal sealed record StoreMemory(long BlockCacheBytes, long WriteBufferBytes)
{
    public static StoreMemory Default { get; } = new(32L << 20, 32L << 20);

    /// <summary>One column family's memtable: flushed to a table file when full.</summary>
    public long MemtableBytes => Math.Max(1L << 20, WriteBufferBytes / 4);

    /// <summary>
    /// Past this much write-ahead log RocksDB flushes the column families that keep the oldest log alive (the small,
    /// rarely written ones), so the log and the recovery time after a crash stay bounded.
    /// </summary>
    public long MaxWalBytes => 2 * WriteBufferBytes;
}
