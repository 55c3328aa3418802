using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Soak.Broker;
using Statehouse.Soak.Checking;
using Statehouse.Soak.Faults;
using Statehouse.Soak.Journal;
using Statehouse.Soak.Load;
using Statehouse.Soak.Replication;
using Statehouse.Testing.Processes;
using Statehouse.Testing.Workers;

namespace Statehouse.Soak;

/// <summary>
/// One soak: the real worker and client processes on a fresh store and queue prefix, the worker SIGKILLed and restarted
/// at random moments while the clients commit, then the invariants checked through ordinary client reads. Replicated
/// (<c>--replicas</c>): several workers with their own stores, the faults of <c>--faults</c> instead of the kills, and
/// after the check every store compared on disk. Every process it starts it also ends (by pid), whatever happens, and
/// it deletes its queues at the end.
/// </summary>
internal sealed class SoakRun
{
    private const int ShownViolations = 20;

    private readonly SoakArguments _args;
    private readonly TextWriter _output;
    private readonly string _directory;
    private readonly TopologyNames _names;
    private readonly string _storePath;
    private readonly string _workerLogPath;
    private readonly Random _random;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<ChildProcess> _clients = [];
    private readonly int[] _progress;
    private readonly List<double> _restartSeconds = [];
    private readonly Dictionary<long, WorkerStats> _statsByIncarnation = [];
    private readonly TaskCompletionSource _workerDied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CommitWatch _commits = new();
    private BrokerAdmin? _broker;
    private SoakCluster? _cluster;
    private ReplicaSet? _workers;
    private FaultInjector? _faults;
    private IReadOnlyList<Testing.Storage.StoreContents> _stores = [];
    private StatehouseClient? _reader;
    private WorkerProcess? _worker;
    private int _incarnation;
    private int _kills;
    private int _lateKills;

    private SoakRun(SoakArguments args, TextWriter output, string directory, string prefix)
    {
        _args = args;
        _output = output;
        _directory = directory;
        _names = new TopologyNames(prefix);
        _storePath = Path.Combine(directory, "store");
        _workerLogPath = Path.Combine(directory, "worker.log");
        _random = new Random(args.Seed);
        _progress = new int[args.Clients];
    }

    /// <summary>Runs the soak and prints one summary line. Exit code: 0 passed, 1 violation or failure, 2 could not run.</summary>
    public static async Task<int> MainAsync(SoakArguments args, TextWriter output, TextWriter errors)
    {
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        bounded.CancelAfter(args.MaxDuration);

        SoakRun? run = null;
        var code = 2;
        try
        {
            run = Create(args, output);
            code = await run.ExecuteAsync(bounded.Token) ? 0 : 1;
            return code;
        }
        catch (SoakSetupException e)
        {
            await errors.WriteLineAsync($"soak: cannot run: {e.Message}");
            return 2;
        }
        catch (SoakFailureException e)
        {
            await errors.WriteLineAsync($"soak: FAILED: {e.Message}");
            return code = 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await errors.WriteLineAsync("soak: interrupted; stopping every process it started");
            return 2;
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested)
        {
            await errors.WriteLineAsync(
                $"soak: FAILED: exceeded --max-seconds {args.MaxDuration.TotalSeconds} ({run?.Progress ?? 0} of {args.Transactions} transactions finished, " +
                $"{run?._kills ?? 0} kills); something hung: see the logs");
            return code = 1;
        }
        catch (Exception e) when (e is StatehouseException or InvalidDataException or IOException)
        {
            // A read through the worker that failed after every attempt, a journal that does not parse: the run is broken.
            await errors.WriteLineAsync($"soak: FAILED: {e}");
            return code = 1;
        }
        finally
        {
            if (run is not null)
            {
                // A failed run keeps its store, journals and logs for the bug report; one that could not run has nothing to show.
                await run.CleanUpAsync(deleteData: code != 1 && !args.Keep, errors);
            }
        }

        void OnSignal(PosixSignalContext context)
        {
            // Cancel instead of dying, so that the clean-up ends the worker and clients.
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>Transactions finished over all clients, as their progress lines report.</summary>
    private int Progress
    {
        get
        {
            var sum = 0;
            for (var i = 0; i < _progress.Length; i++)
            {
                sum += Volatile.Read(ref _progress[i]);
            }

            return sum;
        }
    }

    private bool ClientsFinished => _clients.TrueForAll(c => c.Exited.IsCompleted);

    private static SoakRun Create(SoakArguments args, TextWriter output)
    {
        var prefix = $"soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var directory = Path.GetFullPath(args.DataDirectory
            ?? Path.Combine(BuildOutput.TryRepositoryRoot() is { } root ? Path.Combine(root, ".state", "soak") : Path.Combine(Path.GetTempPath(), "statehouse-soak"), prefix));
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new SoakSetupException($"the data directory {directory} is not empty; the soak needs a fresh store (give another --data)");
        }

        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SoakSetupException($"cannot create the data directory {directory}: {e.Message}");
        }

        return new SoakRun(args, output, directory, prefix);
    }

    private async Task<bool> ExecuteAsync(CancellationToken ct)
    {
        var faults = _args.Replicated
            ? $"{_args.Replicas + 1} workers with replication, faults {string.Join(",", (_args.Faults ?? []).Select(FaultNames.Name))} × {_args.FaultsEach}" +
                (_args.Rate > 0 ? $" at {_args.Rate} transactions/s" : "")
            : $"{_args.Kills} kills";
        await _output.WriteLineAsync(
            $"soak: run {_names.Prefix}, seed {_args.Seed}: {_args.Transactions} transactions from {_args.Clients} clients × {_args.InFlight} in flight " +
            $"over {_args.Agents} agents, {faults}; broker {_args.Endpoint}; data {_directory}");

        _broker = await BrokerAdmin.ConnectAsync(_args.Brokers, _args.Endpoint, _names, ct);
        if (_args.Replicated)
        {
            await StartReplicasAsync(ct);
        }
        else
        {
            _worker = await StartWorkerAsync(ct);
            Watch(_worker, _incarnation);
        }

        _reader = await ConnectReaderAsync(ct);
        StartClients();

        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampling = SampleStatsAsync(stopSampling.Token);
        try
        {
            var faulting = _args.Replicated ? _faults?.RunAsync(ct) ?? Task.CompletedTask : KillAsync(ct);
            await WaitForClientsAsync(faulting, ct);
        }
        finally
        {
            await stopSampling.CancelAsync();
        }

        await sampling;
        await RequireCleanClientExitsAsync();

        var journal = await ReadJournalsAsync(ct);
        if (_workers is not null)
        {
            // Every worker holds the same history before the checker reads one of them (whichever answers).
            await _workers.WaitAgreedAsync(async token => await _broker!.CommitQueueDepthAsync(token) == 0, TimeSpan.FromMinutes(5), ct);
        }

        var observation = await ObserveAsync(ct);
        await RecordStatsAsync(ct);
        ct.ThrowIfCancellationRequested();
        var deadLetters = await _broker!.DeadLetterCountAsync(ct);
        var report = InvariantChecker.Check(journal, observation);
        if (_workers is not null)
        {
            await _workers.StopAllAsync();
            _stores = StoreComparison.Check([.. _workers.Slots.Select(s => (s.Name, s.StorePath))], observation, report);
        }

        await ReportAsync(journal, report, deadLetters);
        return report.Passed;
    }

    /// <summary>
    /// Replicated: the cluster (for node faults, and to ask the broker which worker is the primary), then every worker,
    /// the first alone until it is ready, so that it becomes the primary.
    /// </summary>
    private async Task StartReplicasAsync(CancellationToken ct)
    {
        if (_args.Brokers.Count == 3)
        {
            try
            {
                _cluster = await SoakCluster.ConnectAsync(_args.Brokers);
            }
            catch (SoakSetupException) when (!(_args.Faults ?? []).Contains(FaultKind.NodeLoss))
            {
                // Only node faults need the script's cluster; the primary is then known from the workers' /health alone.
            }
        }

        var cluster = _cluster;
        _workers = new ReplicaSet(_args, _directory, _names, _workerDied,
            cluster is null ? null : token => cluster.ActiveConsumerPidAsync(_names.CommitQueue, token));
        await _workers.StartAllAsync(ct);
        if (_args.FaultCount > 0)
        {
            _faults = new FaultInjector(_args, _workers, _cluster, _commits, _names, () => Progress, () => ClientsFinished, _random, _output);
        }
    }

    private async Task<StatehouseClient> ConnectReaderAsync(CancellationToken ct)
    {
        var options = new StatehouseClientOptions
        {
            Uris = [.. _args.Brokers],
            QueuePrefix = _names.Prefix,
            ReadTimeout = TimeSpan.FromSeconds(10),
            MaxReadAttempts = 3,
            ClientName = "statehouse-soak-checker",
        };
        try
        {
            return await StatehouseClient.ConnectAsync(options, ct);
        }
        catch (StatehouseUnavailableException e)
        {
            throw new SoakSetupException($"the checker cannot connect to the broker at {_args.Endpoint}: {e.Message}");
        }
    }

    private void StartClients()
    {
        var soakDll = typeof(SoakRun).Assembly.Location;
        for (var i = 0; i < _args.Clients; i++)
        {
            var index = i;
            var share = (_args.Transactions / _args.Clients) + (i < _args.Transactions % _args.Clients ? 1 : 0);
            var arguments = new ClientArguments(
                _args.Brokers, _names.Prefix, index, share, _args.InFlight, _args.Agents, _args.CommitAttempts, _args.Seed, Path.Combine(_directory, $"journal-{index}.jsonl"),
                (double)_args.Rate / _args.Clients);
            try
            {
                _clients.Add(ChildProcess.StartDotnet(soakDll, arguments.ToArguments(), new ChildProcessOptions
                {
                    Name = $"client {index}",
                    LogPath = Path.Combine(_directory, $"client-{index}.log"),
                    LogStandardOutput = false,
                    KeepOutput = false,
                    RedirectInput = true,
                    OnStandardOutput = line =>
                    {
                        if (ClientRun.TryParseProgress(line, out var done, out var committedStart))
                        {
                            Volatile.Write(ref _progress[index], done);
                            if (committedStart > 0)
                            {
                                _commits.Observe(committedStart);
                            }
                        }
                    },
                }));
            }
            catch (InvalidOperationException e)
            {
                throw new SoakSetupException(e.Message);
            }
        }
    }

    /// <summary>
    /// Starts the next incarnation of the worker on the soak's store and prefix, appending to worker.log, and waits until
    /// it is ready (<see cref="WorkerProcess.DefaultReadyTimeout"/>).
    /// </summary>
    /// <exception cref="SoakSetupException">It exited or was not ready in time (its log tail is in the message).</exception>
    private async Task<WorkerProcess> StartWorkerAsync(CancellationToken ct)
    {
        var incarnation = ++_incarnation;
        var worker = WorkerProcess.Launch(
            new Dictionary<string, string>
            {
                ["Statehouse:Storage:Path"] = _storePath,
                ["Statehouse:Broker:Uri"] = _args.Amqp.ToString(),
                ["Statehouse:Broker:QueuePrefix"] = _names.Prefix,
                ["Logging:LogLevel:Statehouse"] = _args.WorkerLogLevel,
            },
            new ChildProcessOptions { Name = $"worker #{incarnation}", LogPath = _workerLogPath, KeepOutput = false });
        try
        {
            await worker.WaitUntilReadyAsync(WorkerProcess.DefaultReadyTimeout, ct);
            return worker;
        }
        catch (InvalidOperationException e)
        {
            await worker.DisposeAsync();
            var why = e.InnerException is TimeoutException ? "was not ready in time" : $"exited with code {worker.ExitCode}";
            throw new SoakSetupException($"the worker (incarnation {incarnation}, pid {worker.Pid}) {why}; log {_workerLogPath}, last lines:\n{worker.Tail(20)}");
        }
        catch (OperationCanceledException)
        {
            await worker.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Kills the worker at K random points of the clients' progress (between 5 % and 85 % of the transactions, plus a
    /// random delay of up to 200 ms so that a kill lands anywhere in a group), each after the previous incarnation
    /// finished at least one transaction, and restarts it each time.
    /// </summary>
    private async Task KillAsync(CancellationToken ct)
    {
        var thresholds = Enumerable.Range(0, _args.Kills)
            .Select(_ => (int)(_args.Transactions * (0.05 + (0.8 * _random.NextDouble()))))
            .Order()
            .ToArray();
        var progressAtReady = 0;
        for (var i = 0; i < thresholds.Length; i++)
        {
            var target = Math.Max(thresholds[i], progressAtReady + 1);
            while (Progress < target && !ClientsFinished)
            {
                await Task.Delay(10, ct);
            }

            await Task.Delay(_random.Next(0, 200), ct);
            if (Progress >= _args.Transactions || ClientsFinished)
            {
                _lateKills++;
            }

            var victim = _worker!;
            var progress = Progress;
            var killedAt = Stopwatch.GetTimestamp();
            await victim.KillAsync(ct);
            await victim.DisposeAsync();
            _kills++;
            try
            {
                _worker = await StartWorkerAsync(ct);
            }
            catch (SoakSetupException e)
            {
                throw new SoakFailureException($"the worker did not come back after kill {_kills}: {e.Message}");
            }

            Watch(_worker, _incarnation);
            var back = Stopwatch.GetElapsedTime(killedAt).TotalSeconds;
            _restartSeconds.Add(back);
            progressAtReady = Progress;
            await _output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"soak: kill {_kills}/{_args.Kills} of pid {victim.Pid} at {progress}/{_args.Transactions} transactions; worker back (pid {_worker.Pid}) after {back:0.00} s"));
        }
    }

    /// <summary>
    /// Samples the worker's own counters every second while the clients run (not at the kill, which must not wait for
    /// a read). Summed over incarnations they show how often the worker answered a resend or redelivery from its inbox;
    /// the last sample of a killed incarnation is up to a second old, so the sums are a little low.
    /// </summary>
    private async Task SampleStatsAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await RecordStatsAsync(ct);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RecordStatsAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var stats = await _reader!.StatsAsync(timeout.Token);
            _statsByIncarnation[stats.StartedAtUnixMs] = stats;
        }
        catch (Exception e) when (e is StatehouseException or OperationCanceledException)
        {
            // The worker is down or slow; the figures are informative only.
        }
    }

    /// <summary>A worker that exits without being killed is a failure in itself.</summary>
    private void Watch(WorkerProcess worker, int incarnation)
    {
        _ = WatchAsync();

        async Task WatchAsync()
        {
            var code = await worker.Exited;
            if (!worker.KillRequested)
            {
                _workerDied.TrySetException(new SoakFailureException(
                    $"the worker (incarnation {incarnation}, pid {worker.Pid}) exited on its own with code {code}; " +
                    $"log {_workerLogPath}, last lines:\n{worker.Tail(20)}"));
            }
        }
    }

    private async Task WaitForClientsAsync(Task kills, CancellationToken ct)
    {
        var clients = Task.WhenAll(_clients.Select(c => c.Exited));
        var pending = new List<Task> { clients, kills, _workerDied.Task };
        while (!clients.IsCompleted || !kills.IsCompleted)
        {
            var done = await Task.WhenAny(pending).WaitAsync(ct);
            await done;
            pending.Remove(done);
        }

        if (_lateKills > 0)
        {
            await _output.WriteLineAsync($"soak: warning: {_lateKills} kill(s) came after the clients had finished (too few transactions for the kills?)");
        }
    }

    private async Task RequireCleanClientExitsAsync()
    {
        foreach (var client in _clients)
        {
            var code = await client.Exited;
            if (code != 0)
            {
                throw new SoakFailureException($"{client.Name} (pid {client.Pid}) exited with code {code}; log {client.LogPath}, last lines:\n{client.Tail(20)}");
            }
        }
    }

    private async Task<List<JournalEntry>> ReadJournalsAsync(CancellationToken ct)
    {
        var journal = new List<JournalEntry>();
        for (var i = 0; i < _args.Clients; i++)
        {
            journal.AddRange(await JournalFile.ReadAsync(Path.Combine(_directory, $"journal-{i}.jsonl"), ct));
        }

        if (journal.Count != _args.Transactions)
        {
            throw new SoakFailureException($"the clients journaled {journal.Count} of {_args.Transactions} transactions");
        }

        return journal;
    }

    /// <summary>
    /// Waits until the worker has taken everything from the commit queue and its last commit_ts stands still (a resend
    /// of an in-doubt transaction may still be queued), then reads the store; again if a commit arrived while reading.
    /// </summary>
    private async Task<Observation> ObserveAsync(CancellationToken ct)
    {
        const int Attempts = 3;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            long last = -1;
            while (true)
            {
                ThrowIfWorkerDied();
                var depth = await _broker!.CommitQueueDepthAsync(ct);
                var health = await _reader!.HealthAsync(ct);
                if (depth == 0 && health.LastCommitTs == last)
                {
                    break;
                }

                last = health.LastCommitTs;
                await Task.Delay(500, ct);
            }

            if (await StoreReader.ReadAsync(_reader!, _args.Agents, ct) is { } observation)
            {
                ThrowIfWorkerDied();
                return observation;
            }
        }

        throw new SoakFailureException($"commits kept arriving after the clients had finished ({Attempts} attempts to read a still store)");
    }

    private void ThrowIfWorkerDied()
    {
        if (_workerDied.Task.IsFaulted)
        {
            _workerDied.Task.GetAwaiter().GetResult();
        }
    }

    private async Task ReportAsync(List<JournalEntry> journal, CheckReport report, uint deadLetters)
    {
        var stats = _statsByIncarnation.Values.ToList();
        var committed = journal.Count(e => e.Status == JournalStatus.Committed);
        var rejected = journal.Where(e => e.Status == JournalStatus.Rejected).ToList();
        var inDoubt = journal.Count(e => e.Status == JournalStatus.InDoubt);
        var seconds = _clock.Elapsed.TotalSeconds;
        var reasons = string.Join(", ", rejected.GroupBy(e => e.ErrorCode).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}"));
        var restarts = _restartSeconds.Count == 0
            ? "no restarts"
            : string.Create(CultureInfo.InvariantCulture,
                $"worker back after a kill in {_restartSeconds.Min():0.00}/{_restartSeconds.Average():0.00}/{_restartSeconds.Max():0.00} s (min/avg/max)");
        await _output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"soak: committed={committed} rejected={rejected.Count}{(reasons.Length > 0 ? $" ({reasons})" : "")} in_doubt={inDoubt} " +
            $"(applied {report.InDoubtApplied}); {restarts}; {journal.Count / seconds:0} transactions/s overall"));
        if (_faults is not null)
        {
            await ReportFaultsAsync(_faults);
        }

        foreach (var store in _stores)
        {
            await _output.WriteLineAsync($"soak: store {store.Path}: last commit_ts {store.LastCommitTs}, {store.DescribeDigests()}");
        }

        await _output.WriteLineAsync(
            $"soak: worker counters over {stats.Count} of {_workers?.Incarnations ?? _kills + 1} incarnations (sampled every second): " +
            $"committed {stats.Sum(s => s.Committed)}, rejected {stats.Sum(s => s.Rejected)}, " +
            $"answered from the inbox (resends, redeliveries) {stats.Sum(s => s.Duplicates)}, synced writes {stats.Sum(s => s.SyncedWrites)}; " +
            $"dead-lettered {deadLetters}");
        if (deadLetters > 0)
        {
            // Every soak transaction is valid: a dead letter means the worker gave up on one (its client saw it in doubt or rejected).
            await _output.WriteLineAsync($"soak: warning: {deadLetters} message(s) in {_names.DeadLetterQueue}; see {(_args.Replicated ? "worker-*.log" : "worker.log")}");
        }

        if (!report.Passed)
        {
            var path = Path.Combine(_directory, "violations.txt");
            await File.WriteAllLinesAsync(path, report.Violations);
            foreach (var violation in report.Violations.Take(ShownViolations))
            {
                await _output.WriteLineAsync("soak: VIOLATION " + violation);
            }

            await _output.WriteLineAsync($"soak: {report.Violations.Count} violation(s), all listed in {path}");
        }

        // The store comparison and the fault counters exist in replicated runs only; the single worker's line stays as it was.
        var kinds = Enum.GetValues<ViolationKind>().Where(k => _args.Replicated || k != ViolationKind.StoreMismatch);
        var counters = string.Join(' ', kinds.Select(k => $"{CheckReport.Name(k)}={report.Count(k)}"));
        var faults = _faults is null
            ? ""
            : string.Concat(FaultNames.All.Select(k => $" {FaultNames.Counter(k)}={_faults.Done.Count(r => r.Kind == k)}")) +
                $" zombie_refused={_faults.Done.Count(r => r.Refused)} faults_skipped={_faults.Skipped} stores={_stores.Count}";
        await _output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{counters} kills={_kills}{faults} transactions={journal.Count} acknowledged={committed + rejected.Count} in_doubt={inDoubt} " +
            $"max_commit_ts={report.MaxCommitTs} seconds={seconds:0.0}"));
    }

    /// <summary>Per kind of fault: how many, and how long until commits were acknowledged again and until the deployment was whole.</summary>
    private async Task ReportFaultsAsync(FaultInjector faults)
    {
        foreach (var group in faults.Done.GroupBy(r => r.Kind).OrderBy(g => g.Key))
        {
            var takeover = group.Select(r => r.TakeoverSeconds).ToList();
            var whole = group.Select(r => r.RecoverySeconds).ToList();
            var refused = group.Key == FaultKind.Zombie ? $"; {group.Count(r => r.Refused)} resumed zombie(s) refused a diverged store and were re-seeded" : "";
            await _output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"soak: {FaultNames.Name(group.Key)} × {takeover.Count}: commits again after {takeover.Min():0.00}/{takeover.Average():0.00}/{takeover.Max():0.00} s, " +
                $"whole again after {whole.Min():0.00}/{whole.Average():0.00}/{whole.Max():0.00} s (min/avg/max){refused}"));
        }

        if (faults.Skipped > 0)
        {
            await _output.WriteLineAsync($"soak: warning: {faults.Skipped} fault(s) not made: the clients had finished (more --transactions, or a lower --rate)");
        }
    }

    /// <summary>Ends every process the soak started, deletes its queues, and its data unless kept.</summary>
    private async Task CleanUpAsync(bool deleteData, TextWriter errors)
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }

        if (_workers is not null)
        {
            await _workers.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_reader is not null)
        {
            await _reader.DisposeAsync();
        }

        if (_broker is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            foreach (var failure in await _broker.DeleteTopologyAsync(timeout.Token))
            {
                await errors.WriteLineAsync($"soak: could not delete {failure}");
            }

            await _broker.DisposeAsync();
        }

        if (deleteData)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await errors.WriteLineAsync($"soak: could not delete {_directory}: {e.Message}");
            }
        }
        else
        {
            await _output.WriteLineAsync(_args.Replicated
                ? $"soak: data kept in {_directory} (worker-*/store, journal-*.jsonl, worker-*.log, client-*.log)"
                : $"soak: data kept in {_directory} (store, journal-*.jsonl, worker.log, client-*.log)");
        }
    }
}
