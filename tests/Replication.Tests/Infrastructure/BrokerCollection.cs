namespace Statehouse.Replication.Tests.Infrastructure;

/// <summary>The tests on the single broker (<see cref="BrokerFixture"/>, e.g. StoreInspector's) share it and run one at a time.</summary>
[CollectionDefinition(IntegrationTest.CollectionName)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>;
