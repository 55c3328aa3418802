using System.ComponentModel.DataAnnotations;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Where the store lives and how much memory RocksDB may use, bound from <c>Statehouse:Storage</c>
/// (docs/configuration.md). An invalid value stops the worker at start with one line naming its key.
/// </summary>
internal sealed class StorageOptions
{
    /// <summary>Directory of the RocksDB store. Created on first start when empty or missing.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "./data";

    /// <summary>
    /// When another worker holds the store (its lock), wait as a hot standby and take over when it is released,
    /// instead of exiting. The standby does not connect to the broker before it has the store.
    /// </summary>
    public bool WaitForLock { get; set; } = true;

    /// <summary>Seconds between a standby's attempts to take the store's lock (bounds the takeover time).</summary>
    [Range(0.01, 60)]
    public double LockRetrySeconds { get; set; } = 0.2;

    /// <summary>
    /// RocksDB's block cache, bytes, shared by all column families; it also holds the table files' index and filter blocks.
    /// </summary>
    [Range(1L << 20, 1L << 40)]
    public long BlockCacheBytes { get; set; } = StoreMemory.Default.BlockCacheBytes;

    /// <summary>All RocksDB memtables together, bytes (one column family's is a quarter); the write-ahead log is capped at twice it.</summary>
    [Range(4L << 20, 1L << 40)]
    public long WriteBufferBytes { get; set; } = StoreMemory.Default.WriteBufferBytes;
}
