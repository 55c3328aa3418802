namespace Statehouse.Client;

/// <summary>One page of keys in lexicographic order; pass <see cref="NextKey"/> as <c>afterKey</c> to read the next page (null: no more).</summary>
public sealed record KeyPage(IReadOnlyList<string> Keys, string? NextKey);
