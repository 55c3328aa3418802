using Statehouse.Bench.Load;
using Statehouse.Bench.Processes;
using Statehouse.Contracts;
using Statehouse.Testing.Brokers;
using Statehouse.Testing.Processes;
using Statehouse.Testing.Workers;

namespace Statehouse.Bench.Modes;

/// <summary>Everything every mode of a run shares.</summary>
internal sealed record RunSettings(
    Uri BrokerUri,
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

    /// <summary>The worker's arguments: its own store and queue prefix, the run's prefetch and a group limit.</summary>
    public IReadOnlyList<string> WorkerArguments(string store, string prefix, int maxBatchCount) =>
    [
        $"--Statehouse:Storage:Path={store}",
        $"--Statehouse:Broker:Uri={BrokerUri}",
        $"--Statehouse:Broker:QueuePrefix={prefix}",
        $"--Statehouse:Commit:Prefetch={Prefetch.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        $"--Statehouse:Commit:MaxBatchCount={maxBatchCount.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
    ];

    /// <summary>Queue prefix of one mode (or check) of this run; its store and scratch files go to <see cref="Scratch"/>.</summary>
    public string Prefix(string mode) => $"bench-{RunId}-{mode}";

    /// <summary>The scratch directory of a prefix: <c>.state/bench/PREFIX</c>.</summary>
    public string Scratch(string prefix) => Path.Combine(StateDirectory, prefix);

    /// <summary>Starts the worker build on <c>Scratch(prefix)/store</c> and the queue prefix, and waits until it is ready.</summary>
    public Task<ChildProcess> StartWorkerAsync(string prefix, int maxBatchCount, IEnumerable<string> extraArguments, CancellationToken ct)
    {
        RequireWorkerBuild();
        var args = WorkerArguments(Path.Combine(Scratch(prefix), "store"), prefix, maxBatchCount).Concat(extraArguments);
        return StartAsync(WorkerDll, args, prefix, WorkerLogMarkers.Ready, ct);
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/></c>, a server of <paramref name="prefix"/> (its log in <c>logs/PREFIX.log</c>),
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
