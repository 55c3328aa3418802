using RabbitMQ.Client;
using Statehouse.Testcontainers;
using RabbitMQ.Client.Exceptions;
using Testcontainers.RabbitMq;

namespace Statehouse.Testing.Brokers;

/// <summary>
/// The RabbitMQ broker tests run against: <c>STATEHOUSE_TEST_AMQP</c> when set, else a Testcontainers broker (image
/// <see cref="StatehouseImages.RabbitMq"/>: <c>STATEHOUSE_RABBITMQ_IMAGE</c>, else the official image) when a Docker engine answers. Without either, <see cref="LocateAsync"/>
/// fails with <see cref="NoBrokerMessage"/>: a test that cannot reach a broker fails saying how to get one, it is never
/// skipped. Holds one connection for raw AMQP and
/// clean-up (each user opens its own channel); disposing closes it and removes a container it started.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    public const string EnvironmentVariable = "STATEHOUSE_TEST_AMQP";

    public const string NoBrokerMessage =
        "No RabbitMQ broker: start one with `scripts/broker.sh start` and set STATEHOUSE_TEST_AMQP to the URI it prints " +
        "(amqp://guest:guest@127.0.0.1:5672/), or run a Docker engine";

    private static readonly Lazy<Task<TestBroker>> s_shared = new(LocateSharedAsync);

    private readonly RabbitMqContainer? _container;

    private TestBroker(Uri uri, string source, IConnection connection, RabbitMqContainer? container)
    {
        Uri = uri;
        Source = source;
        Connection = connection;
        _container = container;
    }

    public Uri Uri { get; }

    /// <summary>Where the broker came from (the variable or the container image), for test output.</summary>
    public string Source { get; }

    /// <summary>A connection for raw AMQP and clean-up; each user opens its own channel.</summary>
    public IConnection Connection { get; }

    /// <summary>
    /// One broker for the whole process, located on first use. A container it started is removed when the process
    /// exits (not left to Testcontainers' resource reaper, which engines without the Ryuk image run without). For tests
    /// without a fixture to own one.
    /// </summary>
    public static Task<TestBroker> SharedAsync() => s_shared.Value;

    private static async Task<TestBroker> LocateSharedAsync()
    {
        var broker = await LocateAsync("statehouse-tests");
        if (broker._container is not null)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => broker.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
        }

        return broker;
    }

    /// <summary>Finds the broker (see the type) and connects to it as <paramref name="clientName"/>.</summary>
    /// <exception cref="InvalidOperationException">No broker, a bad URI, or the broker does not answer; the message says how to get one.</exception>
    public static async Task<TestBroker> LocateAsync(string clientName, CancellationToken ct = default)
    {
        RabbitMqContainer? container = null;
        Uri uri;
        string source;
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            if (!Uri.TryCreate(fromEnvironment, UriKind.Absolute, out var parsed))
            {
                throw new InvalidOperationException($"{EnvironmentVariable}='{fromEnvironment}' is not an absolute URI. {NoBrokerMessage}");
            }

            (uri, source) = (parsed, EnvironmentVariable);
        }
        else if (await DockerEngine.AnswersAsync(ct))
        {
            var image = StatehouseImages.RabbitMq;
            container = new RabbitMqBuilder(image).WithLabel(TestSession.Labels).Build();
            await container.StartAsync(ct);
            (uri, source) = (new Uri(container.GetConnectionString()), "Testcontainers " + image);
        }
        else
        {
            throw new InvalidOperationException(NoBrokerMessage);
        }

        var factory = new ConnectionFactory
        {
            Uri = uri,
            ClientProvidedName = clientName,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),

            // RabbitMQ's own ceiling: a test that provokes a huge reply must fail on its assertion, not take this
            // shared connection down for the tests after it.
            MaxInboundMessageBodySize = 128 << 20,
        };
        try
        {
            return new TestBroker(uri, source, await factory.CreateConnectionAsync(ct), container);
        }
        catch (Exception e) when (e is BrokerUnreachableException or IOException or TimeoutException)
        {
            if (container is not null)
            {
                await container.DisposeAsync();
            }

            throw new InvalidOperationException($"Cannot connect to the broker at {Redact(uri)} ({e.GetBaseException().Message}). {NoBrokerMessage}", e);
        }
    }

    /// <summary><paramref name="uri"/> with its user and password replaced by <c>***</c>, for output.</summary>
    public static string Redact(Uri uri) =>
        string.IsNullOrEmpty(uri.UserInfo) ? uri.ToString() : uri.ToString().Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Connection.CloseAsync();
        }
        catch (AlreadyClosedException)
        {
            // Gone with the broker.
        }

        Connection.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
