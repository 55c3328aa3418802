using Statehouse.Bench.Load;

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

    /// <summary>The <c>dotnet</c> arguments that start the worker build on its own store and queue prefix.</summary>
    public IReadOnlyList<string> WorkerArguments(string store, string prefix, int maxBatchCount) =>
    [
        WorkerDll,
        $"--Statehouse:Storage:Path={store}",
        $"--Statehouse:Broker:Uri={BrokerUri}",
        $"--Statehouse:Broker:QueuePrefix={prefix}",
        $"--Statehouse:Commit:Prefetch={Prefetch.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
        $"--Statehouse:Commit:MaxBatchCount={maxBatchCount.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
    ];

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
