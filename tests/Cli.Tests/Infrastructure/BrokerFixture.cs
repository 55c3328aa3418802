using RabbitMQ.Client;

namespace Statehouse.Cli.Tests.Infrastructure;

/// <summary>
/// The RabbitMQ broker the tests run against: <c>STATEHOUSE_TEST_AMQP</c>, or the local default. Without a broker every
/// test fails with <see cref="NoBrokerMessage"/>; nothing is skipped, so a green run always ran against a real broker.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "STATEHOUSE_TEST_AMQP";
    public const string DefaultUri = "amqp://guest:guest@127.0.0.1:5672/";

    public const string NoBrokerMessage =
        "No RabbitMQ broker: start one with `scripts/broker.sh start` and set STATEHOUSE_TEST_AMQP to the URI it prints (default " + DefaultUri + ")";

    private IConnection? _connection;

    public Uri BrokerUri { get; private set; } = null!;

    /// <summary>A connection for raw AMQP in tests and for clean-up; each user opens its own channel.</summary>
    public IConnection Connection => _connection ?? throw new InvalidOperationException("The broker fixture is not initialized.");

    public async Task InitializeAsync()
    {
        var text = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } set ? set : DefaultUri;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException($"{EnvironmentVariable}='{text}' is not an absolute URI. {NoBrokerMessage}");
        }

        BrokerUri = uri;
        var factory = new ConnectionFactory { Uri = uri, ClientProvidedName = "statehouse-cli-tests", RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
        try
        {
            _connection = await factory.CreateConnectionAsync();
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or TimeoutException)
        {
            throw new InvalidOperationException($"Cannot connect to the broker at {uri.Host}:{uri.Port} ({e.GetBaseException().Message}). {NoBrokerMessage}", e);
        }
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            _connection.Dispose();
        }
    }
}
