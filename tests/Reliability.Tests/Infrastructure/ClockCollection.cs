namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>
/// Broker tests that mostly wait on a clock: one at a time, beside the tests of <see cref="BrokerCollection"/>, on a
/// <see cref="BrokerFixture"/> of their own (<see cref="IntegrationTest.ClockCollectionName"/>).
/// </summary>
[CollectionDefinition(IntegrationTest.ClockCollectionName)]
public sealed class ClockCollection : ICollectionFixture<BrokerFixture>;
