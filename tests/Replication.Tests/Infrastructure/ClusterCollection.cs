namespace Statehouse.Replication.Tests.Infrastructure;

/// <summary>
/// The proofs share one <see cref="ClusterFixture"/> and run one at a time: they start several workers each and kill
/// broker nodes, which no other test may see.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Cluster";
}
