namespace Statehouse.Client;

/// <summary>One page of a prefix scan in key order; pass <see cref="NextKey"/> as <c>afterKey</c> to read the next page (null: no more).</summary>
public sealed record ScanPage<T>(IReadOnlyList<ScanEntry<T>> Entries, string? NextKey);
