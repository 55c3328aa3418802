using RabbitMQ.Client;
using Statehouse.Contracts;
using Statehouse.Testing.Brokers;
using Statehouse.Testing.Integration;
using Statehouse.Testing.Processes;
using Statehouse.Testing.Workers;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Infrastructure;

/// <summary>
/// Base of every CLI test: its own queue prefix <c>c-&lt;guid8&gt;</c> and data directory, the real worker as a child
/// process, and the CLI run as a process (<c>dotnet statehouse.dll</c>). Disposing stops the processes, deletes the
/// test's queues and exchanges and its data directory, and writes the worker's log to the test output.
/// </summary>
[Collection(BrokerCollection.Name)]
public abstract class CliTest : IAsyncLifetime
{
    /// <summary>Bound on any single wait (a slow, shared two-core machine builds and runs beside the tests).</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly string s_cliDll = BuildOutput.Find("src/Cli", "statehouse.dll");

    /// <summary>The CLI reads these; the developer's own settings must not leak into a test.</summary>
    private static readonly Dictionary<string, string?> s_cleanEnvironment = new()
    {
        ["STATEHOUSE_AMQP"] = null,
        ["STATEHOUSE_PREFIX"] = null,
        ["STATEHOUSE_NAMESPACE"] = null,
    };

    private readonly List<WorkerProcess> _workers = [];
    private readonly List<ChildProcess> _clis = [];

    protected CliTest(BrokerFixture broker, ITestOutputHelper output)
    {
        Broker = broker;
        Output = output;
        Prefix = TestTopology.UniquePrefix("c");
        Names = new TopologyNames(Prefix);
        DataDirectory = Path.Combine(Path.GetTempPath(), "statehouse-cli-tests", Prefix);
    }

    protected BrokerFixture Broker { get; }

    protected ITestOutputHelper Output { get; }

    protected string Prefix { get; }

    protected TopologyNames Names { get; }

    protected string DataDirectory { get; }

    /// <summary>The worker started by <see cref="InitializeAsync"/>.</summary>
    protected WorkerProcess Worker => _workers[^1];

    /// <summary>Whether <see cref="InitializeAsync"/> starts a worker.</summary>
    protected virtual bool StartsWorker => true;

    /// <summary>Worker settings beyond the test's store and queues, as <c>--key=value</c>.</summary>
    protected virtual IEnumerable<string> WorkerSettings => [];

    /// <summary>Starts the worker on this test's prefix and data directory and waits until it consumes.</summary>
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        if (!StartsWorker)
        {
            return;
        }

        await StartWorkerAsync(DataDirectory);
    }

    /// <summary>
    /// Starts a worker on this test's queues with its store in <paramref name="dataDirectory"/> and waits until it consumes;
    /// <paramref name="settings"/> (<c>--key=value</c>) come after <see cref="WorkerSettings"/>.
    /// </summary>
    protected async Task<WorkerProcess> StartWorkerAsync(string dataDirectory, params string[] settings)
    {
        string[] arguments =
        [
            $"--Statehouse:Storage:Path={dataDirectory}",
            $"--Statehouse:Broker:Uri={Broker.BrokerUri}",
            $"--Statehouse:Broker:QueuePrefix={Prefix}",
            .. WorkerSettings,
            .. settings,
        ];
        var worker = WorkerProcess.Launch(arguments.Select(argument => argument.TrimStart('-').Split('=', 2)).Select(pair => KeyValuePair.Create(pair[0], pair[1])));
        _workers.Add(worker);
        await worker.WaitUntilReadyAsync(Patience);
        return worker;
    }

    /// <summary>Runs <c>statehouse --amqp URI --prefix PREFIX args...</c> to its end.</summary>
    protected Task<CliResult> RunAsync(params string[] arguments) => RunRawAsync(null, [.. GlobalArguments, .. arguments]);

    /// <summary>Like <see cref="RunAsync"/>, with <paramref name="input"/> on stdin.</summary>
    protected Task<CliResult> RunWithInputAsync(string input, params string[] arguments) => RunRawAsync(input, [.. GlobalArguments, .. arguments]);

    /// <summary>Runs the CLI with exactly <paramref name="arguments"/> (no broker or prefix added).</summary>
    protected async Task<CliResult> RunRawAsync(string? input, string[] arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var cli = StartCli(arguments, environment, redirectInput: input is not null);
        if (input is not null)
        {
            await cli.WriteInputAsync(input);
        }

        var exitCode = await cli.WaitForExitAsync(Patience);
        var result = new CliResult(string.Join(' ', arguments), exitCode, cli.Stdout, cli.Stderr);
        Output.WriteLine(result.ToString());
        return result;
    }

    /// <summary>Starts the CLI with the test's broker and prefix and returns without waiting (for <c>tail -f</c>).</summary>
    protected ChildProcess StartCli(params string[] arguments) => StartCli([.. GlobalArguments, .. arguments], null, redirectInput: false);

    /// <summary>Publishes a message straight to a queue of this test (as a misbehaving client would).</summary>
    protected async Task PublishRawAsync(string queue, byte[] body, BasicProperties properties)
    {
        await using var channel = await Broker.Connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var cli in _clis)
        {
            await cli.DisposeAsync();
        }

        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        foreach (var worker in _workers)
        {
            Output.WriteLine($"---- worker (pid {worker.Pid}) ----\n{worker.Log}");
        }

        foreach (var failure in await TestTopology.DeleteAsync(Broker.Connection, Names))
        {
            Output.WriteLine($"clean-up failed: {failure}");
        }

        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private string[] GlobalArguments => ["--amqp", Broker.BrokerUri.ToString(), "--prefix", Prefix];

    private ChildProcess StartCli(string[] arguments, IReadOnlyDictionary<string, string?>? environment, bool redirectInput)
    {
        var variables = new Dictionary<string, string?>(s_cleanEnvironment);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[name] = value;
        }

        var cli = ChildProcess.StartDotnet(s_cliDll, arguments, new ChildProcessOptions { Environment = variables, RedirectInput = redirectInput });
        _clis.Add(cli);
        return cli;
    }
}
