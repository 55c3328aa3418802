using System.Globalization;
using Statehouse.Contracts;
using Statehouse.Testing.Workers;

namespace Statehouse.Soak.Replication;

/// <summary>
/// The workers of a replicated soak: one <see cref="WorkerSlot"/> per machine, all with
/// <c>Statehouse:Replication:Enabled</c>, the cluster's URIs and the soak's prefix, each with its own store. Starts
/// them (the first before the others, so it becomes the primary), tells which one is the primary, waits until a worker
/// caught up or all agree, and turns a worker that exits on its own into a failure of the run.
/// </summary>
internal sealed class ReplicaSet : IAsyncDisposable
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(250);

    private readonly SoakArguments _args;
    private readonly TopologyNames _names;
    private readonly TaskCompletionSource _died;
    private readonly Func<CancellationToken, Task<int?>>? _activeConsumerPid;
    private readonly Dictionary<WorkerProcess, TaskCompletionSource<int>> _refusals = [];
    private int _incarnations;
    private volatile bool _stopping;

    /// <param name="args">The run's settings.</param>
    /// <param name="directory">The run's data directory: one store and log per worker below it.</param>
    /// <param name="names">The run's queue names.</param>
    /// <param name="died">Failed with a <see cref="SoakFailureException"/> when a worker exits on its own.</param>
    /// <param name="activeConsumerPid">The pid of the commit queue's single active consumer, as the broker says (a cluster's rabbitmqctl), when a worker's /health does not report its role.</param>
    public ReplicaSet(SoakArguments args, string directory, TopologyNames names, TaskCompletionSource died, Func<CancellationToken, Task<int?>>? activeConsumerPid)
    {
        _args = args;
        _names = names;
        _died = died;
        _activeConsumerPid = activeConsumerPid;
        Slots = [.. Enumerable.Range(0, args.Replicas + 1).Select(i => new WorkerSlot(i, directory))];
    }

    public IReadOnlyList<WorkerSlot> Slots { get; }

    /// <summary>Incarnations started so far over all workers.</summary>
    public int Incarnations => _incarnations;

    /// <summary>Starts every worker, the first alone until it is ready (it becomes the primary), then the others.</summary>
    public async Task StartAllAsync(CancellationToken ct)
    {
        foreach (var slot in Slots)
        {
            await StartAsync(slot, ct);
        }
    }

    /// <summary>Starts the next incarnation of <paramref name="slot"/> and waits until it is ready.</summary>
    /// <exception cref="SoakSetupException">It exited or was not ready in time.</exception>
    public async Task StartAsync(WorkerSlot slot, CancellationToken ct)
    {
        await slot.StartAsync(Interlocked.Increment(ref _incarnations), new Dictionary<string, string>
        {
            ["Statehouse:Broker:Uri"] = _args.BrokerList,
            ["Statehouse:Broker:QueuePrefix"] = _names.Prefix,
            ["Statehouse:Replication:Enabled"] = "true",
            ["Logging:LogLevel:Statehouse"] = _args.WorkerLogLevel,
        }, ct);
        Watch(slot, slot.Process!);
    }

    /// <summary>
    /// Completes with the exit code when <paramref name="slot"/>'s running worker stops on its own while
    /// <see cref="WorkerSlot.MayRefuse"/> is set (a resumed zombie that found its store diverged).
    /// </summary>
    public Task<int> RefusalOf(WorkerSlot slot)
    {
        lock (_refusals)
        {
            return _refusals.TryGetValue(slot.Process!, out var refusal) ? refusal.Task : Task.FromException<int>(new InvalidOperationException($"{slot.Name} is not watched."));
        }
    }

    /// <summary>
    /// The primary: the running worker whose /health says <c>primary</c>, or else the one the broker names as the commit
    /// queue's single active consumer. Waits (at most <paramref name="timeout"/>) until exactly one is.
    /// </summary>
    /// <exception cref="SoakFailureException">None, or more than one, within the timeout.</exception>
    public async Task<WorkerSlot> FindPrimaryAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        var seen = "";
        try
        {
            while (true)
            {
                var reports = await ReadAllAsync(bounded.Token);
                seen = Describe(reports);
                var primaries = reports.Where(r => string.Equals(r.Report?.Role, "primary", StringComparison.OrdinalIgnoreCase)).ToList();
                if (primaries.Count == 1)
                {
                    return primaries[0].Slot;
                }

                if (primaries.Count == 0 && reports.All(r => r.Report is { Role: null }) && _activeConsumerPid is not null
                    && await _activeConsumerPid(bounded.Token) is { } pid && Slots.FirstOrDefault(s => s.Running && s.Process!.Pid == pid) is { } active)
                {
                    return active;
                }

                await Task.Delay(s_poll, bounded.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SoakFailureException($"no single primary among the workers within {timeout.TotalSeconds} s: {seen}");
        }
    }

    /// <summary>
    /// Waits until <paramref name="slot"/>'s store holds at least what the most advanced other worker held when the wait
    /// began (at most <paramref name="timeout"/>); returns its last commit_ts.
    /// </summary>
    /// <exception cref="SoakFailureException">It did not within the timeout.</exception>
    public async Task<long> WaitCaughtUpAsync(WorkerSlot slot, TimeSpan timeout, CancellationToken ct)
    {
        var reports = await ReadAllAsync(ct);
        var target = reports.Where(r => r.Slot != slot).Max(r => r.Report?.LastCommitTs ?? 0);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        WorkerHealthReport? last = null;
        try
        {
            while (true)
            {
                if (!slot.Running)
                {
                    throw new SoakFailureException($"{slot.Name} (pid {slot.Process?.Pid}) stopped while catching up to commit_ts {target}; log {slot.LogPath}:\n{slot.Process?.Tail(20)}");
                }

                last = await slot.TryReadHealthAsync(bounded.Token);
                if (last is { } report && report.LastCommitTs >= target)
                {
                    return report.LastCommitTs;
                }

                await Task.Delay(s_poll, bounded.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SoakFailureException(
                $"{slot.Name} (pid {slot.Process?.Pid}) did not catch up to commit_ts {target} within {timeout.TotalSeconds} s; last /health: {last?.Json ?? "no answer"}");
        }
    }

    /// <summary>
    /// Waits until every running worker reports the same last commit_ts twice in a row (<paramref name="settled"/>
    /// decides whether the rest of the deployment is still, e.g. an empty commit queue) and returns it.
    /// </summary>
    /// <exception cref="SoakFailureException">They did not agree within <paramref name="timeout"/>.</exception>
    public async Task<long> WaitAgreedAsync(Func<CancellationToken, Task<bool>> settled, TimeSpan timeout, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        long previous = -1;
        var seen = "";
        try
        {
            while (true)
            {
                var reports = await ReadAllAsync(bounded.Token);
                seen = Describe(reports);
                var values = reports.Select(r => r.Report?.LastCommitTs ?? -1).Distinct().ToList();
                if (values is [var agreed] && agreed >= 0 && await settled(bounded.Token))
                {
                    if (agreed == previous)
                    {
                        return agreed;
                    }

                    previous = agreed;
                }
                else
                {
                    previous = -1;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), bounded.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SoakFailureException($"the workers did not agree on a last commit_ts within {timeout.TotalSeconds} s: {seen}");
        }
    }

    /// <summary>Stops every running worker gracefully (SIGTERM); a worker that does not exit with 0 is a failure.</summary>
    public async Task StopAllAsync()
    {
        _stopping = true;
        foreach (var slot in Slots)
        {
            var pid = slot.Process?.Pid;
            if (await slot.StopAsync() is { } code and not 0)
            {
                throw new SoakFailureException($"{slot.Name} (pid {pid}) exited with code {code} when stopped; log {slot.LogPath}:\n{slot.Process?.Tail(20)}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        foreach (var slot in Slots)
        {
            await slot.DisposeAsync();
        }
    }

    private async Task<List<(WorkerSlot Slot, WorkerHealthReport? Report)>> ReadAllAsync(CancellationToken ct)
    {
        var running = Slots.Where(s => s.Running).ToList();
        var reports = await Task.WhenAll(running.Select(s => s.TryReadHealthAsync(ct)));
        return [.. running.Zip(reports)];
    }

    private static string Describe(IEnumerable<(WorkerSlot Slot, WorkerHealthReport? Report)> reports) =>
        string.Join("; ", reports.Select(r => r.Report is { } h
            ? string.Create(CultureInfo.InvariantCulture, $"{r.Slot.Name} (pid {r.Slot.Process?.Pid}): {h.Status}, role {h.Role ?? "?"}, last commit_ts {h.LastCommitTs}")
            : $"{r.Slot.Name} (pid {r.Slot.Process?.Pid}): no answer"));

    /// <summary>A worker that exits without being killed or stopped fails the run, unless it is a refusing zombie.</summary>
    private void Watch(WorkerSlot slot, WorkerProcess worker)
    {
        var refusal = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_refusals)
        {
            _refusals[worker] = refusal;
        }

        _ = WatchAsync();

        async Task WatchAsync()
        {
            var code = await worker.Exited;
            if (worker.KillRequested || _stopping)
            {
                refusal.TrySetCanceled();
            }
            else if (slot.MayRefuse && code == 1)
            {
                refusal.TrySetResult(code);
            }
            else
            {
                refusal.TrySetCanceled();
                _died.TrySetException(new SoakFailureException(
                    $"{slot.Name} (incarnation {slot.Incarnation}, pid {worker.Pid}) exited on its own with code {code}; log {slot.LogPath}, last lines:\n{worker.Tail(20)}"));
            }
        }
    }
}
