using Statehouse.Testing.Processes;
using Statehouse.Testing.Workers;

namespace Statehouse.Soak.Replication;

/// <summary>
/// One machine of a replicated soak: a worker with its own store directory (<c>worker-N/store</c>) and log
/// (<c>worker-N.log</c>), started again after each fault, each start a new incarnation. It knows the worker's own
/// /health address (from its log) so the soak can ask this worker, not whichever answers through the broker.
/// </summary>
internal sealed class WorkerSlot(int index, string directory) : IAsyncDisposable
{
    private WorkerHealthEndpoint? _health;

    public int Index { get; } = index;

    public string Name => $"worker {Index}";

    public string StorePath { get; } = Path.Combine(directory, $"worker-{index}", "store");

    public string LogPath { get; } = Path.Combine(directory, $"worker-{index}.log");

    /// <summary>The running (or last) incarnation; null before the first start.</summary>
    public WorkerProcess? Process { get; private set; }

    /// <summary>The soak-wide number of the running incarnation.</summary>
    public int Incarnation { get; private set; }

    /// <summary>Set while a resumed zombie may stop on its own with exit code 1 (its store diverged: the design's refusal).</summary>
    public bool MayRefuse { get; set; }

    public bool Running => Process is { HasExited: false };

    /// <summary>This worker's own /health; null until it logged the address.</summary>
    /// <exception cref="InvalidOperationException">The worker logged no health address.</exception>
    public WorkerHealthEndpoint Health => _health ?? throw new InvalidOperationException($"{Name} (pid {Process?.Pid}) logged no health address.");

    /// <summary>
    /// Starts incarnation <paramref name="incarnation"/> with <paramref name="settings"/> (plus its store and /health on
    /// a free loopback port), appending to its log, and waits until it is ready.
    /// </summary>
    /// <exception cref="SoakSetupException">It exited or was not ready in time (its log tail is in the message).</exception>
    public async Task StartAsync(int incarnation, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        if (Process is { } previous)
        {
            // Killed or exited on its own (a refusing zombie): release its output and log file before the next one.
            await previous.DisposeAsync();
        }

        Incarnation = incarnation;
        MayRefuse = false;
        _health?.Dispose();
        _health = null;
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        var all = new Dictionary<string, string>(settings) { ["Statehouse:Storage:Path"] = StorePath };
        foreach (var (key, value) in WorkerHealthEndpoint.Settings)
        {
            all[key] = value;
        }

        var worker = WorkerProcess.Launch(all, new ChildProcessOptions
        {
            Name = $"{Name} #{incarnation}",
            LogPath = LogPath,
            KeepOutput = false,
            OnStandardOutput = line =>
            {
                if (_health is null && WorkerHealthEndpoint.TryParse(line) is { } health)
                {
                    _health = health;
                }
            },
        });
        Process = worker;
        try
        {
            await worker.WaitUntilReadyAsync(WorkerProcess.DefaultReadyTimeout, ct);
        }
        catch (InvalidOperationException e)
        {
            await worker.DisposeAsync();
            var why = e.InnerException is TimeoutException ? "was not ready in time" : $"exited with code {worker.ExitCode}";
            throw new SoakSetupException($"{Name} (incarnation {incarnation}, pid {worker.Pid}) {why}; log {LogPath}, last lines:\n{worker.Tail(20)}");
        }
    }

    /// <summary>Reads this worker's /health; null when it does not answer (stopped, paused, gone).</summary>
    public async Task<WorkerHealthReport?> TryReadHealthAsync(CancellationToken ct)
    {
        if (!Running || _health is null)
        {
            return null;
        }

        try
        {
            return await _health.ReadAsync(ct);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>SIGKILL, and returns once it is gone.</summary>
    public async Task KillAsync(CancellationToken ct)
    {
        if (Process is { } worker)
        {
            await worker.KillAsync(ct);
            await worker.DisposeAsync();
        }
    }

    /// <summary>The machine's disk is gone: deletes the store directory (the worker must not run).</summary>
    public void DeleteStore()
    {
        if (Directory.Exists(StorePath))
        {
            Directory.Delete(StorePath, recursive: true);
        }
    }

    /// <summary>
    /// What <c>statehouse reseed --store PATH</c> does for a store the worker refused: moves it aside (kept for the bug
    /// report, never deleted), so the next start catches up from the log on an empty directory. Returns where it went.
    /// </summary>
    public string MoveStoreAside()
    {
        var aside = $"{StorePath}.diverged-{Incarnation}";
        Directory.Move(StorePath, aside);
        return aside;
    }

    /// <summary>SIGTERM and waits for the graceful stop (SIGKILL after 30 s); returns the exit code, or null when it was not running.</summary>
    public async Task<int?> StopAsync()
    {
        if (Process is not { HasExited: false } worker)
        {
            return null;
        }

        return await worker.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _health?.Dispose();
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }
    }
}
