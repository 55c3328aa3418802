namespace Statehouse.Client;

/// <summary>One page of an agent's history in commit order; pass <see cref="NextStartTs"/> as <c>startTs</c> to read the next page (0: no more).</summary>
public sealed record ReplayPage(IReadOnlyList<ReplayEvent> Events, long NextStartTs);
