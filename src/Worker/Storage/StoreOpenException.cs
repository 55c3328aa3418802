namespace Statehouse.Worker.Storage;

/// <summary>The store cannot be opened (held by another process, damaged, wrong schema): the worker must not start.</summary>
internal sealed class StoreOpenException(string message, Exception? inner = null) : Exception(message, inner);
