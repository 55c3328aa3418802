namespace Statehouse.Soak.Journal;

/// <summary>
/// One write or delete a client sent: <see cref="Value"/> is the marker string of a write (null for a delete),
/// <see cref="Version"/> the record's version the worker acknowledged (0 when the transaction was not committed).
/// </summary>
internal sealed record JournalOperation(string Agent, string Key, bool Delete, string? Value, long Version);
