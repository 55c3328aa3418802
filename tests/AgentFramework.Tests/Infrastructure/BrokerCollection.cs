namespace Statehouse.AgentFramework.Tests.Infrastructure;

/// <summary>Every broker test of this assembly shares one <see cref="BrokerFixture"/> and runs sequentially (they start worker processes).</summary>
[CollectionDefinition(IntegrationTest.CollectionName)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>;
