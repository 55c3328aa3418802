namespace Statehouse.Worker.Storage;

/// <summary>
/// RocksDB failed a read (an I/O error, a damaged table file) or a checkpoint. The message is RocksDB's own, the
/// inner exception RocksDB's: callers outside <c>Storage/</c> catch this instead of naming RocksDB's types.
/// </summary>
internal sealed class StorageReadException(string message, Exception? inner = null) : Exception(message, inner);
