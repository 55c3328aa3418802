namespace Statehouse.Cli.Tests.Infrastructure;

/// <summary>Every test shares one <see cref="BrokerFixture"/> and runs sequentially (each starts a worker process).</summary>
[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "Broker";
}
