namespace Statehouse.Integration.Tests.Infrastructure;

/// <summary>Every broker test shares one <see cref="BrokerFixture"/> and runs sequentially (they start worker processes).</summary>
[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "Broker";
}
