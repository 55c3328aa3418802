using System.ComponentModel;
using System.Diagnostics;
using RabbitMQ.Client;
using Testcontainers.RabbitMq;

namespace Statehouse.Integration.Tests.Infrastructure;

/// <summary>
/// One RabbitMQ broker for the whole test collection: <c>STATEHOUSE_TEST_AMQP</c> when set, else a Testcontainers
/// broker when a Docker engine answers. Without either every test fails with <see cref="NoBrokerMessage"/>; the suite
/// is never skipped, so a green run always means the tests ran against a real broker.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "STATEHOUSE_TEST_AMQP";

    public const string NoBrokerMessage =
        "No RabbitMQ broker: set STATEHOUSE_TEST_AMQP=amqp://guest:guest@127.0.0.1:5672/ after `scripts/broker.sh start`, or run a Docker engine";

    private const string ContainerImage = "rabbitmq:4.1-management";

    private RabbitMqContainer? _container;
    private IConnection? _connection;

    public Uri BrokerUri { get; private set; } = null!;

    /// <summary>Where the broker came from, for test output.</summary>
    public string Source { get; private set; } = "";

    /// <summary>A connection for raw AMQP in tests and for clean-up; each user opens its own channel.</summary>
    public IConnection Connection => _connection ?? throw new InvalidOperationException("The broker fixture is not initialized.");

    public async Task InitializeAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            if (!Uri.TryCreate(fromEnvironment, UriKind.Absolute, out var uri))
            {
                throw new InvalidOperationException($"{EnvironmentVariable}='{fromEnvironment}' is not an absolute URI. {NoBrokerMessage}");
            }

            BrokerUri = uri;
            Source = EnvironmentVariable;
        }
        else if (await DockerEngineAnswersAsync())
        {
            _container = new RabbitMqBuilder(ContainerImage).Build();
            await _container.StartAsync();
            BrokerUri = new Uri(_container.GetConnectionString());
            Source = "Testcontainers " + ContainerImage;
        }
        else
        {
            throw new InvalidOperationException(NoBrokerMessage);
        }

        _connection = await ProbeAsync(BrokerUri);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            _connection.Dispose();
        }

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    private static async Task<IConnection> ProbeAsync(Uri uri)
    {
        var factory = new ConnectionFactory
        {
            Uri = uri,
            ClientProvidedName = "statehouse-integration-tests",
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),

            // RabbitMQ's own ceiling: a test that provokes a huge reply must fail on its assertion, not take this
            // shared connection down for the tests after it.
            MaxInboundMessageBodySize = 128 << 20,
        };

        try
        {
            return await factory.CreateConnectionAsync();
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or TimeoutException)
        {
            throw new InvalidOperationException($"Cannot connect to the broker at {Redact(uri)} ({e.GetBaseException().Message}). {NoBrokerMessage}", e);
        }
    }

    private static async Task<bool> DockerEngineAnswersAsync()
    {
        var start = new ProcessStartInfo("docker", "info")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        try
        {
            using var docker = Process.Start(start);
            if (docker is null)
            {
                return false;
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await docker.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                docker.Kill(entireProcessTree: true);
                return false;
            }

            return docker.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            // No docker executable on PATH.
            return false;
        }
    }

    internal static string Redact(Uri uri) => string.IsNullOrEmpty(uri.UserInfo) ? uri.ToString() : uri.ToString().Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal);
}
