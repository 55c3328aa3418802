using Statehouse.Contracts;
using Statehouse.Testing.Processes;

namespace Statehouse.Testing.Workers;

/// <summary>
/// The real worker (<see cref="BuildOutput.WorkerDll"/>) as a child process, so that tests, the soak and the bench can
/// crash it (SIGKILL), freeze it (SIGSTOP/SIGCONT) or stop it gracefully (SIGTERM). Settings are passed as
/// <c>--Key=Value</c> arguments; the environment is fixed (Production, single-line plain console logs) whatever the
/// caller's environment says. Ready means it logged <see cref="WorkerLogMarkers.Ready"/>. Disposing SIGKILLs it.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    /// <summary>
    /// How long <see cref="WaitUntilReadyAsync"/> waits unless told otherwise: the worker is ready in a few seconds, but
    /// on a loaded two-core machine that builds and tests at once it has taken over a minute.
    /// </summary>
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The environment every worker gets: the Production settings and one plain line per log entry.</summary>
    public static IReadOnlyDictionary<string, string?> Environment { get; } = new Dictionary<string, string?>
    {
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
    };

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ChildProcess _child = null!;

    private WorkerProcess()
    {
    }

    public int Pid => _child.Pid;

    public bool HasExited => _child.HasExited;

    /// <summary>The exit code once it exited (137 after SIGKILL); throws while it runs.</summary>
    public int ExitCode => _child.ExitCode;

    /// <summary>The exit code, once the process ended and its output was read to the end.</summary>
    public Task<int> Exited => _child.Exited;

    /// <summary>Whether it was killed (as opposed to exiting on its own).</summary>
    public bool KillRequested => _child.KillRequested;

    /// <summary>Whether it logged the ready line.</summary>
    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>Everything it wrote to standard output and error so far.</summary>
    public string Log => _child.Output;

    /// <summary>Every line it wrote so far.</summary>
    public IReadOnlyList<string> Lines => _child.Lines;

    /// <summary>The log file of <see cref="ChildProcessOptions.LogPath"/>, if any.</summary>
    public string? LogPath => _child.LogPath;

    /// <summary>
    /// Starts the worker with <paramref name="settings"/> as <c>--Key=Value</c> (e.g. <c>Statehouse:Storage:Path</c>) and
    /// returns at once; <see cref="WaitUntilReadyAsync"/> waits for it. <paramref name="options"/> may name it, log it to
    /// a file, add environment variables; <paramref name="workerDll"/> overrides <see cref="BuildOutput.WorkerDll"/>.
    /// </summary>
    public static WorkerProcess Launch(IEnumerable<KeyValuePair<string, string>> settings, ChildProcessOptions? options = null, string? workerDll = null)
    {
        options ??= new ChildProcessOptions();
        var environment = new Dictionary<string, string?>(Environment);
        foreach (var (variable, value) in options.Environment)
        {
            environment[variable] = value;
        }

        var worker = new WorkerProcess();
        var onStandardOutput = options.OnStandardOutput;
        worker._child = ChildProcess.StartDotnet(
            workerDll ?? BuildOutput.WorkerDll,
            settings.Select(setting => $"--{setting.Key}={setting.Value}"),
            options with
            {
                Name = options.Name ?? "worker",
                Environment = environment,
                OnStandardOutput = line =>
                {
                    // The console logger writes every level to standard output.
                    if (line.Contains(WorkerLogMarkers.Ready, StringComparison.Ordinal))
                    {
                        worker._ready.TrySetResult();
                    }

                    onStandardOutput?.Invoke(line);
                },
            });
        return worker;
    }

    /// <summary>Launches like <see cref="Launch"/> and waits until it is ready.</summary>
    /// <exception cref="InvalidOperationException">It exited or was not ready in time; it is killed and the message carries its output.</exception>
    public static async Task<WorkerProcess> StartAsync(
        IEnumerable<KeyValuePair<string, string>> settings, ChildProcessOptions? options = null, TimeSpan? readyTimeout = null, CancellationToken ct = default)
    {
        var worker = Launch(settings, options);
        try
        {
            await worker.WaitUntilReadyAsync(readyTimeout, ct);
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }

        return worker;
    }

    /// <summary>Waits until it logged <see cref="WorkerLogMarkers.Ready"/>, at most <see cref="DefaultReadyTimeout"/>.</summary>
    /// <exception cref="InvalidOperationException">It exited first or did not get ready in time; it is killed and the message carries its output.</exception>
    public Task WaitUntilReadyAsync() => WaitUntilReadyAsync(null, CancellationToken.None);

    /// <summary>Waits until it logged <see cref="WorkerLogMarkers.Ready"/> (at most <paramref name="timeout"/>, default <see cref="DefaultReadyTimeout"/>).</summary>
    /// <exception cref="InvalidOperationException">It exited first or did not get ready in time; it is killed and the message carries its output.</exception>
    public async Task WaitUntilReadyAsync(TimeSpan? timeout, CancellationToken ct = default)
    {
        var wait = timeout ?? DefaultReadyTimeout;
        try
        {
            // Exited completes only after the output was read to its end: a ready line written before the exit is seen first.
            await Task.WhenAny(_ready.Task, _child.Exited).WaitAsync(wait, ct);
        }
        catch (TimeoutException e)
        {
            await KillAsync(CancellationToken.None);
            throw new InvalidOperationException(
                $"The worker (pid {Pid}) did not log '{WorkerLogMarkers.Ready}' within {wait.TotalSeconds} s (exit code {ExitCode}). {_child.OutputForFailure()}", e);
        }

        if (!_ready.Task.IsCompleted)
        {
            throw new InvalidOperationException($"The worker (pid {Pid}) exited before it was ready (exit code {ExitCode}). {_child.OutputForFailure()}");
        }
    }

    /// <summary>Waits until it logged a line containing <paramref name="text"/> and returns that line.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">It exited without logging it.</exception>
    public Task<string> WaitForLogAsync(string text, TimeSpan timeout, CancellationToken ct = default) => _child.WaitForLineAsync(text, timeout, ct);

    /// <summary>Waits until <paramref name="count"/> logged lines contain <paramref name="text"/>; fails like <see cref="WaitForLogAsync(string, TimeSpan, CancellationToken)"/>.</summary>
    public Task<string> WaitForLogAsync(string text, int count, TimeSpan timeout, CancellationToken ct = default) => _child.WaitForLinesAsync(text, count, timeout, ct);

    /// <summary>Waits until <paramref name="match"/> accepts a logged line and returns it; fails like <see cref="WaitForLogAsync(string, TimeSpan, CancellationToken)"/>.</summary>
    public Task<string> WaitForLogAsync(Func<string, bool> match, string what, TimeSpan timeout, CancellationToken ct = default) =>
        _child.WaitForLineAsync(match, what, timeout, ct);

    /// <summary>Waits for it to exit on its own and returns the exit code.</summary>
    /// <exception cref="TimeoutException">Still running after <paramref name="timeout"/>; it is killed first.</exception>
    public Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken ct = default) => _child.WaitForExitAsync(timeout, ct);

    /// <summary>SIGKILL: no chance to flush, finish a group, ack or reply. Returns once it is gone (its store lock released).</summary>
    public Task KillAsync(CancellationToken ct = default) => _child.KillAsync(ct);

    /// <summary>SIGTERM without waiting for the exit (see <see cref="WaitForExitAsync"/>).</summary>
    public Task TerminateAsync() => _child.TerminateAsync();

    /// <summary>SIGTERM: the graceful shutdown; SIGKILL after <paramref name="grace"/> (default 30 s). Returns the exit code.</summary>
    /// <exception cref="TimeoutException">It did not stop in time and was killed.</exception>
    public Task<int> StopAsync(TimeSpan? grace = null) => _child.StopAsync(grace);

    /// <summary>SIGSTOP: frozen (neither the broker nor the clients hear from it) until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => _child.PauseAsync();

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ResumeAsync() => _child.ResumeAsync();

    /// <summary>The last <paramref name="count"/> lines, for failure messages.</summary>
    public string Tail(int count) => _child.Tail(count);

    public ValueTask DisposeAsync() => _child.DisposeAsync();
}
