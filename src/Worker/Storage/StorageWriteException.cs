namespace Statehouse.Worker.Storage;

/// <summary>The synced write failed (disk full, I/O error): nothing of the batch is stored.</summary>
internal sealed class StorageWriteException(string message, Exception? inner = null) : Exception(message, inner);
