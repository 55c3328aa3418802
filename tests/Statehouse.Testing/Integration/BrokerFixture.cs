using RabbitMQ.Client;
using Statehouse.Testing.Brokers;

namespace Statehouse.Testing.Integration;

/// <summary>
/// One <see cref="TestBroker"/> for a test collection (xunit's <c>ICollectionFixture</c>; each test assembly declares
/// its collection): <c>STATEHOUSE_TEST_AMQP</c>, else a Testcontainers broker, else every test fails with
/// <see cref="TestBroker.NoBrokerMessage"/>.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = TestBroker.EnvironmentVariable;

    private TestBroker? _broker;

    public Uri BrokerUri => Broker.Uri;

    /// <summary>Where the broker came from (<see cref="EnvironmentVariable"/> or the container image), for test output.</summary>
    public string Source => Broker.Source;

    /// <summary>A connection for raw AMQP in tests and for clean-up; each user opens its own channel.</summary>
    public IConnection Connection => Broker.Connection;

    private TestBroker Broker => _broker ?? throw new InvalidOperationException("The broker fixture is not initialized.");

    /// <summary><paramref name="uri"/> without its password, for output.</summary>
    public static string Redact(Uri uri) => TestBroker.Redact(uri);

    public async Task InitializeAsync() => _broker = await TestBroker.LocateAsync("statehouse-tests");

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
