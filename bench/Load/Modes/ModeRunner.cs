using System.Globalization;
using Statehouse.Bench.Echo;
using Statehouse.Bench.Load;
using Statehouse.Bench.Output;
using Statehouse.Bench.Processes;
using Statehouse.Bench.Results;
using Statehouse.Testing.Processes;
using Statehouse.Testing.Workers;

namespace Statehouse.Bench.Modes;

/// <summary>
/// Runs one mode: starts what answers (a worker with its own store, the echo server, or uses PostgreSQL), drives the
/// load, takes the figures, and removes what it created (processes, queues, store, table).
/// </summary>
internal sealed class ModeRunner(RunSettings settings, ProgressView view)
{
    /// <summary>The echo server, consuming like the worker, then the real client against it.</summary>
    public async Task<ModeResult> RunEchoAsync(string mode, LoadPlan plan, CancellationToken ct)
    {
        var prefix = settings.Prefix(mode);
        string[] args =
        [
            "echo-server", "--uri", settings.BrokerUri.ToString(), "--prefix", prefix,
            "--prefetch", Invariant(settings.Prefetch), "--max-batch", Invariant(settings.MaxBatchCount),
        ];
        var bench = typeof(EchoServer).Assembly.Location;
        return await RunStatehouseAsync(mode, plan, prefix, "echo server", () => settings.StartAsync(bench, args, prefix, EchoServer.ReadyMarker, ct), withStats: false, ct);
    }

    /// <summary>A fresh worker (Release build, its own empty store) with the given group limit.</summary>
    public async Task<ModeResult> RunCommitAsync(string mode, LoadPlan plan, int maxBatchCount, CancellationToken ct)
    {
        var prefix = settings.Prefix(mode);
        return await RunStatehouseAsync(mode, plan, prefix, "worker", () => settings.StartWorkerAsync(prefix, maxBatchCount, [], ct), withStats: true, ct);
    }

    /// <summary>
    /// A primary and a replica, each a fresh worker with its own empty store and <c>Statehouse:Replication:Enabled</c>:
    /// the primary is started first and is ready (the single active consumer of the commit queue) before the replica
    /// starts. The replica's CPU is measured apart, and its lag sampled from both workers' /health.
    /// </summary>
    public async Task<ModeResult> RunCommitReplicatedAsync(string mode, LoadPlan plan, CancellationToken ct)
    {
        var prefix = settings.Prefix(mode);
        string[] replicated = ["--Statehouse:Replication:Enabled=true", .. WorkerHealthEndpoint.Settings.Select(s => $"--{s.Key}={s.Value}")];
        try
        {
            view.Status(mode, "starting the primary");
            await using var primary = await settings.StartWorkerAsync(prefix, "store-primary", settings.MaxBatchCount, replicated, ct);
            view.Status(mode, "starting the replica");
            await using var replica = await settings.StartWorkerAsync(prefix, "store-replica", settings.MaxBatchCount, replicated, ct);
            using var primaryHealth = HealthOf(primary, "primary");
            using var replicaHealth = HealthOf(replica, "replica");

            view.Status(mode, "connecting the clients");
            LoadResult result;
            ResourceSampler sampler;
            var lag = new ReplicaLagSampler(primaryHealth, replicaHealth);
            await using (var target = await StatehouseTarget.ConnectAsync(settings.BrokerUris, prefix, settings.Shape, ct))
            {
                // No stats read: through the broker it is answered by either worker.
                sampler = new ResourceSampler($"primary (pid {primary.Pid})", () => [primary.Pid], settings.BrokerPorts, statsClient: null, () => [replica.Pid]);
                result = await DriveAsync(mode, plan, target, new WindowObservers(sampler, lag), ct);
            }

            // A worker becomes the primary with its first commit delivery: the roles are known once the load ran.
            await RequireRoleAsync(primaryHealth, "primary", ct);
            await RequireRoleAsync(replicaHealth, "replica", ct);
            view.Status(mode, "waiting for the replica to catch up");
            var caughtUp = await lag.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), ct);
            var peakRss = ProcFs.PeakRssBytes(primary.Pid);
            view.Status(mode, "stopping the replica and the primary");
            foreach (var (worker, role) in new[] { (replica, "replica"), (primary, "primary") })
            {
                if (await worker.StopAsync() is var exitCode and not 0)
                {
                    view.Status(mode, $"the {role} exited with code {exitCode}; its log: {worker.LogPath}");
                }
            }

            return Finish(mode, plan, result, sampler, peakRss) with { Replica = sampler.Replica, Lag = lag.Summary(caughtUp) };
        }
        finally
        {
            await settings.CleanUpAsync(prefix);
        }
    }

    /// <summary>The same transactions against PostgreSQL, in a table of their own that is dropped afterwards.</summary>
    public async Task<ModeResult> RunPostgresAsync(string mode, LoadPlan plan, CancellationToken ct)
    {
        var connectionString = settings.PostgresConnectionString
            ?? throw new InvalidOperationException("The postgres mode needs --postgres CONNECTION_STRING (scripts/postgres.sh start prints one).");
        view.Status(mode, "creating the table");
        var table = "bench_" + settings.RunId.Replace('-', '_');
        await using var target = await PostgresTarget.CreateAsync(connectionString, settings.Shape, table, ct);
        var sampler = new ResourceSampler("PostgreSQL (postgres)", () => ProcFs.FindByName("postgres"), settings.BrokerPorts, statsClient: null);
        var result = await DriveAsync(mode, plan, target, sampler, ct);
        return Finish(mode, plan, result, sampler, peakRss: null);
    }

    private async Task<ModeResult> RunStatehouseAsync(
        string mode, LoadPlan plan, string prefix, string serverName, Func<Task<ChildProcess>> start, bool withStats, CancellationToken ct)
    {
        try
        {
            view.Status(mode, $"starting the {serverName}");
            await using var server = await start();
            view.Status(mode, "connecting the clients");
            LoadResult result;
            ResourceSampler sampler;
            await using (var target = await StatehouseTarget.ConnectAsync(settings.BrokerUris, prefix, settings.Shape, ct))
            {
                sampler = new ResourceSampler($"{serverName} (pid {server.Pid})", () => [server.Pid], settings.BrokerPorts, withStats ? target.First : null);
                result = await DriveAsync(mode, plan, target, sampler, ct);
            }

            var peakRss = ProcFs.PeakRssBytes(server.Pid);
            view.Status(mode, $"stopping the {serverName}");
            var exitCode = await server.StopAsync();
            if (exitCode != 0)
            {
                view.Status(mode, $"the {serverName} exited with code {exitCode}; its log: {server.LogPath}");
            }

            return Finish(mode, plan, result, sampler, peakRss);
        }
        finally
        {
            await settings.CleanUpAsync(prefix);
        }
    }

    private async Task<LoadResult> DriveAsync(string mode, LoadPlan plan, ITransactionTarget target, IWindowObserver observer, CancellationToken ct)
    {
        var progress = new LoadProgress();
        view.Track(mode, progress, plan.PlannedSeconds, plan.Count);
        return await new LoadGenerator(target, settings.Shape, plan, progress).RunAsync(observer, ct);
    }

    private static WorkerHealthEndpoint HealthOf(ChildProcess worker, string role) =>
        WorkerHealthEndpoint.FromLog(worker.Lines)
        ?? throw new InvalidOperationException($"The {role} (pid {worker.Pid}) logged no health address ('{WorkerHealthEndpoint.LogText.Trim()}'); its log: {worker.LogPath}");

    /// <summary>
    /// When the worker reports its replication role, it must be the one this mode gave it (started first, so the single
    /// active consumer = primary): else the CPU and lag figures would be the other worker's.
    /// </summary>
    private static async Task RequireRoleAsync(WorkerHealthEndpoint health, string role, CancellationToken ct)
    {
        var report = await health.ReadAsync(ct);
        if (report.Role is { } actual && !string.Equals(actual, role, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"The worker started as the {role} reports role '{actual}' ({health.Url}: {report.Json}).");
        }
    }

    private ModeResult Finish(string mode, LoadPlan plan, LoadResult result, ResourceSampler sampler, long? peakRss)
    {
        view.Done(mode, string.Create(CultureInfo.InvariantCulture,
            $"{result.TxPerSecond:0} tx/s, p99 {result.Latency.P99Ms:0.0} ms, {result.Errors} errors"));
        return new ModeResult(mode, ModeNames.Title(mode), plan.RatePerSecond, result.Transactions, result.Errors, result.FirstError, result.Seconds,
            result.TxPerSecond, result.Latency, sampler.Server, sampler.Broker, sampler.Bench, sampler.MachineBusyPercent, peakRss, sampler.Committed,
            sampler.SyncedWrites);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
