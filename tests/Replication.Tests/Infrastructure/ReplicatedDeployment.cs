using System.Globalization;
using Microsoft.Extensions.Logging;
using Statehouse.Client;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Infrastructure;

/// <summary>
/// What one proof owns on the cluster: a queue prefix <c>r-&lt;guid8&gt;</c>, a directory with one store directory per
/// worker, the workers (each with replication on, the three node URIs, its own store, backup directory and monitoring
/// port) and the clients. Disposing kills leftover workers, closes the clients, writes each worker's log tail to the
/// test output, deletes the prefix's queues, streams and exchanges and the directory.
/// </summary>
internal sealed class ReplicatedDeployment : IAsyncDisposable
{
    /// <summary>How long one commit attempt waits before the client resends; short, so a takeover is measured closely.</summary>
    public static readonly TimeSpan CommitAttemptTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Attempts per commit: enough to ride out a paused primary's heartbeat timeout and a takeover.</summary>
    public const int CommitAttempts = 75;

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(250);

    private readonly ClusterFixture _cluster;
    private readonly ITestOutputHelper _output;
    private readonly List<ReplicaWorker> _workers = [];
    private readonly List<StatehouseClient> _clients = [];
    private readonly ILoggerFactory _loggerFactory;

    public ReplicatedDeployment(ClusterFixture cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
        Prefix = TestTopology.UniquePrefix("r");
        Names = new TopologyNames(Prefix);
        Root = Path.Combine(Path.GetTempPath(), "statehouse-replication-tests", Prefix);
        Directory.CreateDirectory(Root);
        _loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(new TestOutputLoggerProvider(output, "client")));
    }

    public string Prefix { get; }

    public TopologyNames Names { get; }

    /// <summary>This proof's directory: a store directory per worker, their backups and logs.</summary>
    public string Root { get; }

    public IReadOnlyList<ReplicaWorker> Workers => _workers;

    /// <summary>The default store directory of a worker named <paramref name="name"/> (not created).</summary>
    public string StorePath(string name) => Path.Combine(Root, name, "store");

    /// <summary>
    /// Launches a worker of this deployment named <paramref name="name"/> on <paramref name="storePath"/> (default
    /// <see cref="StorePath"/>) and returns at once; <paramref name="settings"/> add or override settings.
    /// </summary>
    public ReplicaWorker Launch(string name, string? storePath = null, params (string Key, string Value)[] settings)
    {
        storePath ??= StorePath(name);
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Statehouse:Storage:Path"] = storePath,
            ["Statehouse:Broker:Uri"] = _cluster.UriList,
            ["Statehouse:Broker:QueuePrefix"] = Prefix,
            ["Statehouse:Broker:ReconnectDelaySeconds"] = "1",
            ["Statehouse:Replication:Enabled"] = "true",
            ["Statehouse:Backup:Directory"] = Path.Combine(Root, name, "backups"),
            ["Statehouse:Http:Enabled"] = "true",
            ["Statehouse:Http:Port"] = "0",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var process = WorkerProcess.Launch(all, new ChildProcessOptions { Name = name, LogPath = Path.Combine(Root, name + ".log") });
        var worker = new ReplicaWorker(name, storePath, process);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Launches a worker like <see cref="Launch"/> and waits until it logged that it is ready.</summary>
    public async Task<ReplicaWorker> StartAsync(string name, string? storePath = null, params (string Key, string Value)[] settings)
    {
        var worker = Launch(name, storePath, settings);
        await worker.Process.WaitUntilReadyAsync();
        return worker;
    }

    /// <summary>
    /// Connects a client to the cluster (all three nodes) on this deployment's prefix, with short commit attempts and many of them
    /// (<see cref="CommitAttemptTimeout"/>, <see cref="CommitAttempts"/>), so that a commit outlives a takeover.
    /// </summary>
    public async Task<StatehouseClient> ConnectClientAsync(CancellationToken ct)
    {
        var options = new StatehouseClientOptions
        {
            Uris = [.. _cluster.Uris],
            QueuePrefix = Prefix,
            ClientName = $"replication-test {Prefix} #{_clients.Count + 1}",
            CommitTimeout = CommitAttemptTimeout,
            MaxCommitAttempts = CommitAttempts,
            ReadTimeout = TimeSpan.FromSeconds(10),
            MaxReadAttempts = 6,
            LoggerFactory = _loggerFactory,
        };
        var client = await StatehouseClient.ConnectAsync(options, ct);
        _clients.Add(client);
        return client;
    }

    /// <summary>Connects <paramref name="count"/> clients (see <see cref="ConnectClientAsync"/>).</summary>
    public async Task<List<StatehouseClient>> ConnectClientsAsync(int count, CancellationToken ct)
    {
        var clients = new List<StatehouseClient>();
        for (var i = 0; i < count; i++)
        {
            clients.Add(await ConnectClientAsync(ct));
        }

        return clients;
    }

    /// <summary>
    /// The worker the broker made the single active consumer of the commit queue (the primary), waiting until there is
    /// one among the running workers.
    /// </summary>
    /// <exception cref="TimeoutException">None within <paramref name="timeout"/>.</exception>
    public async Task<ReplicaWorker> PrimaryAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        string? name = null;
        while (true)
        {
            name = await _cluster.ActiveConsumerAsync(Names.CommitQueue, ct);
            var primary = _workers.FirstOrDefault(w => !w.HasExited && name is not null &&
                name.EndsWith(" " + w.Pid.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            if (primary is not null)
            {
                return primary;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException($"No running worker of {Prefix} is the active consumer of {Names.CommitQueue} after {timeout.TotalSeconds} s " +
                    $"(the broker names connection '{name ?? "none"}'; workers: {string.Join(", ", _workers)}).");
            }

            // The broker has no event for a consumer becoming active that a test can wait on: poll, bounded.
            await Task.Delay(s_pollInterval, ct);
        }
    }

    /// <summary>
    /// Waits until every worker of <paramref name="workers"/> reports (its <c>/health</c>) a last commit_ts of at least
    /// <paramref name="commitTs"/>.
    /// </summary>
    /// <exception cref="TimeoutException">One did not within <paramref name="timeout"/>; the message gives each one's figure.</exception>
    public async Task WaitForAppliedAsync(long commitTs, IEnumerable<ReplicaWorker> workers, TimeSpan timeout, CancellationToken ct)
    {
        var waiting = workers.ToList();
        var deadline = DateTimeOffset.UtcNow + timeout;
        var last = new Dictionary<string, string>();
        while (true)
        {
            foreach (var worker in waiting.ToList())
            {
                if (worker.HasExited)
                {
                    throw new InvalidOperationException($"{worker} exited with code {worker.Process.ExitCode} before it applied commit_ts {commitTs}:\n{worker.Process.Tail(30)}");
                }

                try
                {
                    var applied = await worker.LastCommitTsAsync(ct);
                    last[worker.Name] = applied.ToString(CultureInfo.InvariantCulture);
                    if (applied >= commitTs)
                    {
                        waiting.Remove(worker);
                    }
                }
                catch (HttpRequestException e)
                {
                    last[worker.Name] = e.Message;
                }
            }

            if (waiting.Count == 0)
            {
                return;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException($"Not every worker applied commit_ts {commitTs} within {timeout.TotalSeconds} s: " +
                    string.Join(", ", last.Select(p => $"{p.Key} at {p.Value}")));
            }

            // A follower's progress has no event outside its process: poll its health, bounded by the deadline.
            await Task.Delay(s_pollInterval, ct);
        }
    }

    /// <summary>
    /// After the load: the highest commit_ts of the acknowledged commits and of what the running workers report; waits
    /// until every running worker has applied it, stops them all (SIGTERM, each must exit 0) and reads every store of
    /// <paramref name="stores"/> (default: the store of every running worker).
    /// </summary>
    public async Task<List<StoreContents>> ConvergeAndStopAsync(IReadOnlyDictionary<string, long> acknowledged, TimeSpan timeout, CancellationToken ct, IEnumerable<ReplicaWorker>? stores = null)
    {
        var running = _workers.Where(w => !w.HasExited).ToList();
        var target = acknowledged.Count == 0 ? 0 : acknowledged.Values.Max();
        foreach (var worker in running)
        {
            target = Math.Max(target, await worker.LastCommitTsAsync(ct));
        }

        await WaitForAppliedAsync(target, running, timeout, ct);
        foreach (var worker in running)
        {
            var code = await worker.Process.StopAsync();
            Assert.True(code == 0, $"{worker} exited with code {code} on SIGTERM:\n{worker.Process.Tail(30)}");
        }

        var read = (stores ?? running).Select(w => StoreInspector.Read(w.StorePath)).ToList();
        foreach (var line in StoreAudit.Describe(read))
        {
            _output.WriteLine(line);
        }

        return read;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await IgnoreFailureAsync(async () => await client.DisposeAsync());
        }

        foreach (var worker in _workers)
        {
            await IgnoreFailureAsync(async () => await worker.Process.DisposeAsync());
            WriteLine($"---- {worker}: exit code {(worker.HasExited ? worker.Process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?")}, last lines ----\n{worker.Process.Tail(120)}");
            worker.Dispose();
        }

        _loggerFactory.Dispose();
        await IgnoreFailureAsync(DeleteTopologyAsync);
        await IgnoreFailureAsync(() =>
        {
            Directory.Delete(Root, recursive: true);
            return Task.CompletedTask;
        });
    }

    private async Task DeleteTopologyAsync()
    {
        await using var connection = await _cluster.ConnectAsync("statehouse-replication-cleanup", CancellationToken.None);
        foreach (var failure in await TestTopology.DeleteAsync(connection, Names))
        {
            WriteLine($"clean-up failed: {failure}");
        }
    }

    private void WriteLine(string text)
    {
        try
        {
            _output.WriteLine(text);
        }
        catch (InvalidOperationException)
        {
            // The test has finished; its output is closed.
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
            WriteLine($"clean-up failed: {e.GetType().Name}: {e.Message}");
        }
    }
}
