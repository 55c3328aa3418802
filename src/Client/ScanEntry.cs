namespace Statehouse.Client;

/// <summary>One record found by a prefix scan.</summary>
public sealed record ScanEntry<T>(string Key, StateResult<T> State);
