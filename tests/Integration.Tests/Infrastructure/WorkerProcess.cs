using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Statehouse.Integration.Tests.Infrastructure;

/// <summary>
/// The real worker (<c>Statehouse.Worker.dll</c>) as a child process, so that tests can SIGKILL it like a crash.
/// Captures stdout and stderr; <see cref="WaitUntilReadyAsync"/> returns once the worker logged <see cref="ReadyLine"/>.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    public const string ReadyLine = "Statehouse worker ready";

    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _logLock = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Text, TaskCompletionSource Seen)> _watchers = [];

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The process id (kept after the process was reaped and disposed).</summary>
    public int Pid { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the worker wrote to stdout and stderr so far.</summary>
    public string Log
    {
        get
        {
            lock (_logLock)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the worker with <c>--key=value</c> settings; see <see cref="WaitUntilReadyAsync"/>.</summary>
    public static WorkerProcess Launch(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,

            // The host's content root is the working directory: this one holds the worker's appsettings.json.
            WorkingDirectory = Path.GetDirectoryName(WorkerDllPath)!,
        };
        start.ArgumentList.Add(WorkerDllPath);
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        // Plain single-line console output, whatever the developer's environment sets.
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data);
        process.Exited += (_, _) => worker._ready.TrySetException(new InvalidOperationException("The worker exited before it was ready."));

        process.Start();
        worker.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>
    /// Waits (30 s) until the worker logged <see cref="ReadyLine"/>. On a timeout or an early exit the worker is
    /// killed and an <see cref="InvalidOperationException"/> carries its whole output.
    /// </summary>
    public async Task WaitUntilReadyAsync()
    {
        try
        {
            await _ready.Task.WaitAsync(s_readyTimeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var reason = e is TimeoutException ? $"did not log '{ReadyLine}' within {s_readyTimeout.TotalSeconds} s" : "exited before it was ready";
            await KillAsync();
            reason += $" (exit code {_process.ExitCode})";
            throw new InvalidOperationException($"The worker (pid {Pid}) {reason}. Its output:\n{Log}", e);
        }
    }

    /// <summary>Waits until the worker has logged a line containing <paramref name="text"/>.</summary>
    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_logLock)
        {
            if (_log.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _watchers.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"The worker (pid {Pid}) did not log '{text}' within {timeout.TotalSeconds} s. Its output:\n{Log}", e);
        }
    }

    /// <summary>SIGKILL: the process gets no chance to flush, finish a batch, ack or reply.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await WaitForExitAsync();
    }

    /// <summary>SIGTERM: the worker's graceful shutdown. Returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
                ?? throw new InvalidOperationException("Could not run kill -TERM.");
            await kill.WaitForExitAsync();
        }

        await WaitForExitAsync();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private async Task WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(s_exitTimeout);
        try
        {
            // Also drains the redirected output, so Log is complete afterwards.
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            throw new TimeoutException($"The worker (pid {Pid}) did not exit within {s_exitTimeout.TotalSeconds} s. Its output:\n{Log}");
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log.AppendLine(line);
            foreach (var watcher in _watchers.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                watcher.Seen.TrySetResult();
                _watchers.Remove(watcher);
            }
        }

        if (line.Contains(ReadyLine, StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    /// <summary>
    /// The test project references the worker, so its dll, deps.json and runtimeconfig.json are copied next to the
    /// test assembly; the worker's own build output of the same configuration is the fallback.
    /// </summary>
    private static string WorkerDllPath { get; } = FindWorkerDll();

    private static string FindWorkerDll()
    {
        const string dll = "Statehouse.Worker.dll";
        var besideTests = Path.Combine(AppContext.BaseDirectory, dll);
        if (File.Exists(besideTests) && File.Exists(Path.ChangeExtension(besideTests, ".runtimeconfig.json")))
        {
            return besideTests;
        }

        var configuration = typeof(WorkerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Statehouse.Queue.sln")))
            {
                var built = Path.Combine(dir.FullName, "src", "Worker", "bin", configuration, "net10.0", dll);
                if (File.Exists(built))
                {
                    return built;
                }

                break;
            }
        }

        throw new FileNotFoundException($"{dll} not found beside the tests ({AppContext.BaseDirectory}) nor in src/Worker/bin/{configuration}/net10.0: build the worker first (dotnet build src/Worker).");
    }
}
