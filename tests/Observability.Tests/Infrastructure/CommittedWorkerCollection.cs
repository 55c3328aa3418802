namespace Statehouse.Observability.Tests.Infrastructure;

/// <summary>The tests that look at the one <see cref="CommittedWorkerFixture"/> worker.</summary>
[CollectionDefinition(Name)]
public sealed class CommittedWorkerCollection : ICollectionFixture<CommittedWorkerFixture>
{
    public const string Name = "committed worker";
}
