using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Statehouse.Client;
using Statehouse.Contracts;

namespace Statehouse.Examples.Tests.Infrastructure;

/// <summary>
/// A real Statehouse worker for the example tests: a child process with its own temporary store and its own queue
/// prefix on the broker named by <c>STATEHOUSE_TEST_AMQP</c> (default the local development node). Disposal kills the
/// worker and removes its queues, exchanges and store.
/// </summary>
public sealed class WorkerFixture : IAsyncLifetime
{
    public const string ReadyLine = "Statehouse worker ready";

    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(90);

    private readonly string _dataDirectory;
    private IConnection? _connection;
    private DotnetProcess? _worker;

    public WorkerFixture()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("STATEHOUSE_TEST_AMQP");
        BrokerUri = new Uri(string.IsNullOrWhiteSpace(fromEnvironment) ? "amqp://guest:guest@127.0.0.1:5672/" : fromEnvironment);
        Prefix = "examples-test-" + Guid.NewGuid().ToString("N")[..8];
        _dataDirectory = Path.Combine(Path.GetTempPath(), Prefix);
    }

    public Uri BrokerUri { get; }

    /// <summary>The queue prefix of this fixture's worker; pass it to every agent and client.</summary>
    public string Prefix { get; }

    /// <summary>What the worker logged so far, for failure messages.</summary>
    public string WorkerLog => _worker?.Output ?? "";

    public async Task InitializeAsync()
    {
        var factory = new ConnectionFactory { Uri = BrokerUri, RequestedConnectionTimeout = TimeSpan.FromSeconds(5), ClientProvidedName = "statehouse-examples-tests" };
        try
        {
            _connection = await factory.CreateConnectionAsync();
        }
        catch (BrokerUnreachableException e)
        {
            throw new InvalidOperationException(
                $"No RabbitMQ broker at {BrokerUri.Host}:{BrokerUri.Port} ({e.GetBaseException().Message}). Start one with `scripts/broker.sh start`, " +
                "or point STATEHOUSE_TEST_AMQP at a broker.", e);
        }

        Directory.CreateDirectory(_dataDirectory);
        _worker = DotnetProcess.Start(BuildOutput.Find("src/Worker", "Statehouse.Worker.dll"),
        [
            $"--Statehouse:Storage:Path={_dataDirectory}",
            $"--Statehouse:Broker:Uri={BrokerUri}",
            $"--Statehouse:Broker:QueuePrefix={Prefix}",
        ]);
        await _worker.WaitForLineAsync(ReadyLine, s_readyTimeout);
    }

    public Task<StatehouseClient> ConnectClientAsync() =>
        StatehouseClient.ConnectAsync(new StatehouseClientOptions { Uri = BrokerUri, QueuePrefix = Prefix, ClientName = "statehouse-examples-tests" });

    /// <summary>Runs <paramref name="dll"/> with <c>--amqp</c> and <c>--prefix</c> of this worker plus <paramref name="arguments"/>, to its end.</summary>
    public async Task<(int ExitCode, string Output)> RunToEndAsync(string dll, params string[] arguments)
    {
        await using var process = DotnetProcess.Start(dll, ["--amqp", BrokerUri.ToString(), "--prefix", Prefix, .. arguments]);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return (exitCode, process.Output);
    }

    public async Task DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }

        if (_connection is not null)
        {
            var names = new TopologyNames(Prefix);
            await using (var channel = await _connection.CreateChannelAsync())
            {
                foreach (var queue in new[] { names.CommitQueue, names.ReadQueue, names.DeadLetterQueue, names.DeploymentStream })
                {
                    await channel.QueueDeleteAsync(queue);
                }

                foreach (var exchange in new[] { names.DeadLetterExchange, names.CommitsExchange })
                {
                    await channel.ExchangeDeleteAsync(exchange);
                }
            }

            await _connection.CloseAsync();
            _connection.Dispose();
        }

        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
