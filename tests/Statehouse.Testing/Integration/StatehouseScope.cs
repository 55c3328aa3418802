using Microsoft.Extensions.Logging;
using Statehouse.Client;
using Statehouse.Contracts;
using Statehouse.Testing.Brokers;
using Statehouse.Testing.Workers;
using Xunit.Abstractions;

namespace Statehouse.Testing.Integration;

/// <summary>
/// What one test owns: a queue prefix <c>t-&lt;guid8&gt;</c> (so tests sharing the broker never see each other's
/// messages), a data directory, the worker processes and clients it started. Disposing kills leftover workers, closes
/// clients, deletes the test's queues and exchanges (best effort) and the data directory, and writes the workers'
/// logs to the test output.
/// </summary>
public sealed class StatehouseScope : IAsyncDisposable
{
    private readonly BrokerFixture _broker;
    private readonly ITestOutputHelper _output;
    private readonly List<WorkerProcess> _workers = [];
    private readonly List<StatehouseClient> _clients = [];
    private readonly List<RawAmqpClient> _rawClients = [];
    private readonly List<string> _otherDataDirectories = [];
    private readonly ILoggerFactory _loggerFactory;

    public StatehouseScope(BrokerFixture broker, ITestOutputHelper output)
    {
        _broker = broker;
        _output = output;
        Prefix = TestTopology.UniquePrefix("t");
        Names = new TopologyNames(Prefix);
        DataDirectory = Path.Combine(Path.GetTempPath(), "statehouse-tests", Prefix);
        _loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(new TestOutputLoggerProvider(output, "client")));
        Directory.CreateDirectory(DataDirectory);
    }

    public string Prefix { get; }

    public TopologyNames Names { get; }

    public string DataDirectory { get; }

    public Uri BrokerUri => _broker.BrokerUri;

    /// <summary>
    /// Another data directory for this test (not created: a worker makes a new store there), e.g. for a second store on
    /// the same queue prefix. Deleted with the scope.
    /// </summary>
    public string OtherDataDirectory(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), "statehouse-tests", $"{Prefix}-{name}");
        _otherDataDirectories.Add(path);
        return path;
    }

    /// <summary>The most recently started worker.</summary>
    public WorkerProcess Worker => _workers.Count > 0 ? _workers[^1] : throw new InvalidOperationException("No worker started.");

    /// <summary>
    /// Starts the real worker on this test's data directory and queue prefix; <paramref name="settings"/> adds or
    /// overrides settings, e.g. <c>("Statehouse:Commit:MaxBatchCount", "1")</c>.
    /// </summary>
    public async Task<WorkerProcess> StartWorkerAsync(params (string Key, string Value)[] settings)
    {
        var worker = LaunchWorker(settings);
        try
        {
            await worker.WaitUntilReadyAsync();
        }
        catch (InvalidOperationException)
        {
            _workers.Remove(worker);
            await worker.DisposeAsync();
            throw;
        }

        return worker;
    }

    /// <summary>Starts a worker like <see cref="StartWorkerAsync"/> but returns at once, ready or not (e.g. a standby).</summary>
    public WorkerProcess LaunchWorker(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Statehouse:Storage:Path"] = DataDirectory,
            ["Statehouse:Broker:Uri"] = BrokerUri.ToString(),
            ["Statehouse:Broker:QueuePrefix"] = Prefix,
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var worker = WorkerProcess.Launch(all, new() { Name = $"worker #{_workers.Count + 1}" });
        _workers.Add(worker);
        return worker;
    }

    /// <summary>SIGKILLs the current worker and starts a new one on the same data and queues.</summary>
    public async Task<WorkerProcess> KillAndRestartWorkerAsync(params (string Key, string Value)[] settings)
    {
        await Worker.KillAsync();
        return await StartWorkerAsync(settings);
    }

    public async Task<StatehouseClient> ConnectClientAsync(Action<StatehouseClientOptions>? configure = null)
    {
        var options = new StatehouseClientOptions
        {
            Uri = BrokerUri,
            QueuePrefix = Prefix,
            ClientName = $"integration-test {Prefix}",
            LoggerFactory = _loggerFactory,
        };
        configure?.Invoke(options);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var client = await StatehouseClient.ConnectAsync(options, timeout.Token);
        _clients.Add(client);
        return client;
    }

    public async Task<RawAmqpClient> CreateRawClientAsync()
    {
        var raw = await RawAmqpClient.CreateAsync(_broker.Connection);
        _rawClients.Add(raw);
        return raw;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await IgnoreFailureAsync(async () => await client.DisposeAsync());
        }

        foreach (var raw in _rawClients)
        {
            await IgnoreFailureAsync(async () => await raw.DisposeAsync());
        }

        for (var i = 0; i < _workers.Count; i++)
        {
            var worker = _workers[i];
            await IgnoreFailureAsync(async () => await worker.DisposeAsync());
            WriteLog($"worker #{i + 1} (pid {worker.Pid})", worker.Log);
        }

        _loggerFactory.Dispose();
        await DeleteTopologyAsync();
        foreach (var directory in _otherDataDirectories.Prepend(DataDirectory))
        {
            await IgnoreFailureAsync(() =>
            {
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                return Task.CompletedTask;
            });
        }
    }

    private async Task DeleteTopologyAsync()
    {
        await IgnoreFailureAsync(async () =>
        {
            foreach (var failure in await TestTopology.DeleteAsync(_broker.Connection, Names))
            {
                _output.WriteLine($"clean-up failed: {failure}");
            }
        });
    }

    private void WriteLog(string title, string log)
    {
        const int maxLines = 200;
        var lines = log.Split('\n');
        var shown = lines.Length > maxLines ? lines[^maxLines..] : lines;
        try
        {
            _output.WriteLine($"---- {title}: last {shown.Length} of {lines.Length} lines ----");
            _output.WriteLine(string.Join('\n', shown));
        }
        catch (InvalidOperationException)
        {
            // The output helper is closed once the test has finished.
        }
    }

    private async Task IgnoreFailureAsync(Func<Task> cleanup)
    {
        try
        {
            await cleanup();
        }
        catch (Exception e)
        {
            try
            {
                _output.WriteLine($"clean-up failed: {e.GetType().Name}: {e.Message}");
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
