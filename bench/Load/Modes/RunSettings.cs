using Statehouse.Bench.Load;
using Statehouse.Bench.Processes;
using Statehouse.Contracts;
using Statehouse.Testing.Brokers;
using Statehouse.Testing.Processes;
using Statehouse.Testing.Workers;

namespace Statehouse.Bench.Modes;

/// <summary>
/// Everything every mode of a run shares. <see cref="BrokerUris"/> is one broker, or the nodes of one cluster (the
/// workers get them all, as <c>Statehouse:Broker:Uri</c> takes them; figures that need one node use the first).
/// </summary>
internal sealed record RunSettings(
    IReadOnlyList<Uri> BrokerUris,
    LoadShape Shape,
    TimeSpan Warmup,
    TimeSpan Duration,
    int Prefetch,
    int MaxBatchCount,
    string WorkerDll,
    string? PostgresConnectionString,
    string RunId,
    string StateDirectory)
{
    public LoadPlan ClosedLoop => new(Warmup, Duration);

    /// <summary>The first broker of <see cref="BrokerUris"/>: for the echo server, the clean-up and the version probe.</summary>
    public Uri BrokerUri => BrokerUris[0];

    /// <summary>The AMQP ports of <see cref="BrokerUris"/> (5672 when a URI names none): the broker processes measured.</summary>
    public IReadOnlyList<int> BrokerPorts => [.. BrokerUris.Select(u => u.IsDefaultPort || u.Port < 0 ? 5672 : u.Port).Distinct()];

    /// <summary>The worker's arguments: its own store and queue prefix, the run's prefetch and a group limit.</summary>
    public IReadOnlyList<string> WorkerArguments(string store, string prefix, int maxBatchCount) =>
    [
        $"--Statehouse:Storage:Path={store}",
        $"--Statehouse:Broker:Uri={string.Join(',', BrokerUris)}",
        $"--Statehouse:Broker:QueuePrefix={prefix}",
        $"--Statehouse:Commit:Prefetch={Prefetch.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        $"--Statehouse:Commit:MaxBatchCount={maxBatchCount.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
    ];

    /// <summary>Queue prefix of one mode (or check) of this run; its store and scratch files go to <see cref="Scratch"/>.</summary>
    public string Prefix(string mode) => $"bench-{RunId}-{mode}";

    /// <summary>The scratch directory of a prefix: <c>.state/bench/PREFIX</c>.</summary>
    public string Scratch(string prefix) => Path.Combine(StateDirectory, prefix);

    /// <summary>Starts the worker build on <c>Scratch(prefix)/store</c> and the queue prefix, and waits until it is ready.</summary>
    public Task<ChildProcess> StartWorkerAsync(string prefix, int maxBatchCount, IEnumerable<string> extraArguments, CancellationToken ct) =>
        StartWorkerAsync(prefix, "store", maxBatchCount, extraArguments, ct);

    /// <summary>
    /// Starts the worker build on <c>Scratch(prefix)/<paramref name="store"/></c> and the queue prefix, and waits until it
    /// is ready; its log goes to <c>logs/PREFIX-STORE.log</c> unless the store is the default one.
    /// </summary>
    public Task<ChildProcess> StartWorkerAsync(string prefix, string store, int maxBatchCount, IEnumerable<string> extraArguments, CancellationToken ct)
    {
        RequireWorkerBuild();
        var args = WorkerArguments(Path.Combine(Scratch(prefix), store), prefix, maxBatchCount).Concat(extraArguments);
        return StartAsync(WorkerDll, args, store == "store" ? prefix : $"{prefix}-{store}", WorkerLogMarkers.Ready, ct);
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/></c>, a server named <paramref name="prefix"/> (its log in <c>logs/PREFIX.log</c>),
    /// and waits for its ready line as long as the tests wait for a worker's; stop it with <c>StopAsync()</c> (SIGTERM, 30 s grace).
    /// </summary>
    public async Task<ChildProcess> StartAsync(string dll, IEnumerable<string> args, string prefix, string readyMarker, CancellationToken ct)
    {
        var server = ChildProcess.StartDotnet(dll, args, new ChildProcessOptions { LogPath = Path.Combine(StateDirectory, "logs", $"{prefix}.log") });
        try
        {
            await server.WaitForLineAsync(readyMarker, WorkerProcess.DefaultReadyTimeout, ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Removes what a prefix left: its queues and exchanges, and its scratch directory (a store left behind costs disk, not correctness).</summary>
    public async Task CleanUpAsync(string prefix)
    {
        await TestTopology.DeleteAsync(BrokerUri, new TopologyNames(prefix), CancellationToken.None);
        try
        {
            if (Directory.Exists(Scratch(prefix)))
            {
                Directory.Delete(Scratch(prefix), recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Fails with how to get one when the worker build is missing.</summary>
    public void RequireWorkerBuild()
    {
        if (!File.Exists(WorkerDll))
        {
            throw new FileNotFoundException(
                $"No worker build at {WorkerDll}: run `dotnet build src/Worker -c Release` (scripts/bench.sh does), or pass --worker-dll.");
        }
    }
}
