using System.Reflection;

namespace Statehouse.Soak.Processes;

/// <summary>
/// One incarnation of the real worker (<c>Statehouse.Worker.dll</c>) as a child process on the soak's store and queue
/// prefix. Every incarnation appends to the same log file, so a failure can be read in order across restarts.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    public const string ReadyLine = "Statehouse worker ready";

    private const string DllName = "Statehouse.Worker.dll";

    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(60);

    private readonly ChildProcess _child;

    private WorkerProcess(ChildProcess child, int incarnation)
    {
        _child = child;
        Incarnation = incarnation;
    }

    public int Incarnation { get; }

    public int Pid => _child.Pid;

    /// <summary>Completes when the process ended; <see cref="KillRequested"/> tells a kill from a crash.</summary>
    public Task<int> Exited => _child.Exited;

    public bool KillRequested => _child.KillRequested;

    public string Tail(int lines) => _child.Tail(lines);

    /// <summary>Starts an incarnation and waits until it logs <see cref="ReadyLine"/> (at most 60 s).</summary>
    /// <exception cref="SoakSetupException">It exited or did not get ready in time (its log tail is in the message).</exception>
    public static async Task<WorkerProcess> StartAsync(WorkerSettings settings, int incarnation, CancellationToken ct)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string[] arguments =
        [
            $"--Statehouse:Storage:Path={settings.StorePath}",
            $"--Statehouse:Broker:Uri={settings.Amqp}",
            $"--Statehouse:Broker:QueuePrefix={settings.Prefix}",
            $"--Logging:LogLevel:Statehouse={settings.LogLevel}",
        ];
        var environment = new Dictionary<string, string>
        {
            // Plain single-line output with timestamps, whatever the caller's environment says.
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        var child = ChildProcess.Start(
            $"worker #{incarnation}", DllPath, arguments, settings.LogPath, logOutput: true,
            line =>
            {
                if (line.Contains(ReadyLine, StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            },
            environment);
        var worker = new WorkerProcess(child, incarnation);

        Task? first;
        try
        {
            first = await Task.WhenAny(ready.Task, child.Exited).WaitAsync(s_readyTimeout, ct);
        }
        catch (TimeoutException)
        {
            first = null;
        }
        catch (OperationCanceledException)
        {
            await worker.DisposeAsync();
            throw;
        }

        if (first == ready.Task)
        {
            return worker;
        }

        await worker.DisposeAsync();
        var why = first == child.Exited ? $"exited with code {child.Exited.Result}" : $"did not log '{ReadyLine}' within {s_readyTimeout.TotalSeconds} s";
        throw new SoakSetupException($"the worker (incarnation {incarnation}, pid {child.Pid}) {why}; log {settings.LogPath}, last lines:\n{child.Tail(20)}");
    }

    /// <summary>SIGKILL and wait until the process is gone (its store lock released).</summary>
    public Task KillAsync(CancellationToken ct) => _child.KillAsync(ct);

    public ValueTask DisposeAsync() => _child.DisposeAsync();

    /// <summary>
    /// The soak references the worker project, so the worker's dll, deps.json, runtimeconfig.json and appsettings.json
    /// are copied next to the soak; the worker's own build output of the same configuration is the fallback.
    /// </summary>
    private static string DllPath { get; } = FindDll();

    private static string FindDll()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, DllName);
        if (File.Exists(beside) && File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json")))
        {
            return beside;
        }

        var configuration = typeof(WorkerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var built = RepositoryRoot.Find() is { } root ? Path.Combine(root, "src", "Worker", "bin", configuration, "net10.0", DllName) : null;
        if (built is not null && File.Exists(built))
        {
            return built;
        }

        throw new SoakSetupException(
            $"{DllName} not found beside the soak ({AppContext.BaseDirectory}) nor in src/Worker/bin/{configuration}/net10.0: build it (dotnet build -c {configuration} src/Soak)");
    }
}
