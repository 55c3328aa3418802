using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// A message on <see cref="TopologyNames.DeploymentStream"/>. The stream's <em>first</em> claim names the store that
/// holds the deployment's one history; later claims (two fresh workers racing, a retried claim) change nothing.
/// </summary>
/// <param name="StoreId">The store's id, a random GUID kept in the store itself (so copies and restores keep it).</param>
/// <param name="ClaimedAt">When the claim was published (UTC).</param>
/// <param name="ClaimedBy">Who published it: host, process id and store directory, for operators.</param>
/// <param name="LastCommitTs">The store's last commit_ts when it claimed (0 for a new store).</param>
[MessagePackObject]
public sealed record DeploymentClaim(
    [property: Key(0)] Guid StoreId,
    [property: Key(1)] DateTime ClaimedAt,
    [property: Key(2)] string ClaimedBy,
    [property: Key(3)] long LastCommitTs);
