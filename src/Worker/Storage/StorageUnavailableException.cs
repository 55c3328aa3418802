namespace Statehouse.Worker.Storage;

/// <summary>The database is closed while it is being reopened after a storage failure.</summary>
internal sealed class StorageUnavailableException(string message) : Exception(message);
