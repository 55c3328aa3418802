using Statehouse.Client;
using Statehouse.Contracts;
using Statehouse.Testing.Brokers;
using Statehouse.Testing.Processes;
using Statehouse.Testing.Workers;

namespace Statehouse.Examples.Tests.Infrastructure;

/// <summary>
/// A real Statehouse worker for the example tests: a child process with its own temporary store and its own queue
/// prefix on the test broker (<see cref="TestBroker"/>). Disposal kills the worker and removes its queues, exchanges
/// and store.
/// </summary>
public sealed class WorkerFixture : IAsyncLifetime
{
    private readonly string _dataDirectory;
    private TestBroker? _broker;
    private WorkerProcess? _worker;

    public WorkerFixture()
    {
        Prefix = TestTopology.UniquePrefix("examples-test");
        _dataDirectory = Path.Combine(Path.GetTempPath(), Prefix);
    }

    public Uri BrokerUri => _broker?.Uri ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>The queue prefix of this fixture's worker; pass it to every agent and client.</summary>
    public string Prefix { get; }

    /// <summary>What the worker logged so far, for failure messages.</summary>
    public string WorkerLog => _worker?.Log ?? "";

    public async Task InitializeAsync()
    {
        _broker = await TestBroker.LocateAsync("statehouse-examples-tests");
        Directory.CreateDirectory(_dataDirectory);
        _worker = await WorkerProcess.StartAsync(new Dictionary<string, string>
        {
            ["Statehouse:Storage:Path"] = _dataDirectory,
            ["Statehouse:Broker:Uri"] = BrokerUri.ToString(),
            ["Statehouse:Broker:QueuePrefix"] = Prefix,
        });
    }

    public Task<StatehouseClient> ConnectClientAsync() =>
        StatehouseClient.ConnectAsync(new StatehouseClientOptions { Uri = BrokerUri, QueuePrefix = Prefix, ClientName = "statehouse-examples-tests" });

    /// <summary>Runs <paramref name="dll"/> with <c>--amqp</c> and <c>--prefix</c> of this worker plus <paramref name="arguments"/>, to its end.</summary>
    public async Task<(int ExitCode, string Output)> RunToEndAsync(string dll, params string[] arguments)
    {
        await using var process = Start(dll, redirectInput: false, arguments);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return (exitCode, process.Output);
    }

    /// <summary>
    /// Starts <paramref name="dll"/> like <see cref="RunToEndAsync"/> without waiting; with <paramref name="redirectInput"/>
    /// its standard input stays open until <see cref="ChildProcess.WriteInputAsync"/>. The caller disposes it.
    /// </summary>
    public ChildProcess Start(string dll, bool redirectInput, params string[] arguments) =>
        ChildProcess.StartDotnet(dll, ["--amqp", BrokerUri.ToString(), "--prefix", Prefix, .. arguments], new ChildProcessOptions
        {
            Environment = new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = "Production" },
            RedirectInput = redirectInput,
        });

    public async Task DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }

        if (_broker is not null)
        {
            await TestTopology.DeleteAsync(_broker.Connection, new TopologyNames(Prefix));
            await _broker.DisposeAsync();
        }

        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
