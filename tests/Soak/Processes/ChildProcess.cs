using System.Diagnostics;

namespace Statehouse.Soak.Processes;

/// <summary>
/// A process the soak started: <c>dotnet &lt;dll&gt; args</c>, its output written to a log file (standard output only
/// when asked, standard error always) and handed line by line to a callback. Standard input stays open for the
/// child's lifetime: the soak's clients take its end as the sign that the orchestrator is gone.
/// Only this object ever signals the process, and only by its pid.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private readonly bool _logOutput;
    private readonly Action<string>? _onOutput;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _killRequested;

    private ChildProcess(Process process, StreamWriter log, bool logOutput, Action<string>? onOutput)
    {
        _process = process;
        _log = log;
        _logOutput = logOutput;
        _onOutput = onOutput;
    }

    public required string Name { get; init; }

    public required string LogPath { get; init; }

    public int Pid { get; private set; }

    /// <summary>The exit code, once the process ended and its output was read to the end.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Whether the soak killed it (as opposed to the process ending on its own).</summary>
    public bool KillRequested => _killRequested;

    public static ChildProcess Start(
        string name, string dll, IEnumerable<string> arguments, string logPath, bool logOutput, Action<string>? onOutput,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, log, logOutput, onOutput) { Name = name, LogPath = logPath };
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => child.Write(e.Data);
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log.Dispose();
            process.Dispose();
            throw new SoakSetupException($"could not start {name} ({DotnetHost} {dll}): {e.Message}");
        }

        child.Pid = process.Id;
        child.Write($"--- {name} started, pid {child.Pid}, at {DateTimeOffset.UtcNow:O}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = child.WatchExitAsync();
        return child;
    }

    /// <summary>SIGKILL by pid: no chance to flush, finish a batch, ack or reply. Returns once the process is gone.</summary>
    public async Task KillAsync(CancellationToken ct)
    {
        _killRequested = true;
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        await Exited.WaitAsync(ct);
    }

    /// <summary>The last lines of the log, for failure messages.</summary>
    public string Tail(int lines)
    {
        // The log is written with AutoFlush: the file is up to date.
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(cannot read {LogPath}: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_exited.Task.IsCompleted)
        {
            using var timeout = new CancellationTokenSource(s_exitTimeout);
            try
            {
                await KillAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Unkillable within the bound; nothing more the soak can do.
            }
        }

        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    /// <summary>The <c>dotnet</c> that runs this process, so children use the same runtime; else the one on PATH.</summary>
    private static string DotnetHost { get; } =
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private async Task WatchExitAsync()
    {
        // Also drains the redirected output, so the log is complete when Exited completes.
        await _process.WaitForExitAsync();
        var code = _process.ExitCode;
        Write($"--- {Name} (pid {Pid}) exited with code {code}{(_killRequested ? " (killed by the soak)" : "")} at {DateTimeOffset.UtcNow:O}");
        _exited.TrySetResult(code);
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (_logOutput)
        {
            Write(line);
        }

        _onOutput?.Invoke(line);
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // A last line after the soak closed the log.
            }
        }
    }
}
