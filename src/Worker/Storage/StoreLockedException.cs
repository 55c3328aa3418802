namespace Statehouse.Worker.Storage;

/// <summary>Another process (normally the active worker) holds the store's lock.</summary>
internal sealed class StoreLockedException(string message, Exception? inner = null) : Exception(message, inner);
