using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Statehouse.Testing.Processes;

/// <summary>
/// A program run as a child process (the worker, the CLI, an example, a soak client, the bench's echo server), its
/// standard output and error captured line by line, optionally appended to a log file. Waits are event-driven and
/// bounded: a line wait completes when the line arrives and fails at once when the process exits first. Signals go to
/// this process only, by its pid: SIGKILL (<see cref="KillAsync"/>), SIGTERM (<see cref="TerminateAsync"/>,
/// <see cref="StopAsync"/>), SIGSTOP and SIGCONT (<see cref="PauseAsync"/>, <see cref="ResumeAsync"/>). Disposing
/// SIGKILLs a process still running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>How long <see cref="StopAsync"/> waits after SIGTERM before it SIGKILLs, unless told otherwise.</summary>
    public static readonly TimeSpan DefaultStopGrace = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan s_disposeTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ChildProcessOptions _options;
    private readonly StreamWriter? _log;
    private readonly Lock _lock = new();
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _killRequested;

    private ChildProcess(Process process, ChildProcessOptions options, StreamWriter? log, string name)
    {
        _process = process;
        _options = options;
        _log = log;
        Name = name;
    }

    /// <summary>The <c>dotnet</c> that runs this process, so that children use the same runtime; else the one on PATH.</summary>
    public static string DotnetHost { get; } =
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public string Name { get; }

    /// <summary>The process id (kept after the process was reaped).</summary>
    public int Pid { get; private set; }

    public string? LogPath => _options.LogPath;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>The exit code (128 + the signal's number when a signal ended it); throws while the process runs.</summary>
    public int ExitCode => _exited.Task.IsCompleted ? _exited.Task.Result : throw new InvalidOperationException($"{Describe()} is still running.");

    /// <summary>The exit code, once the process ended and its output was read to the end.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Whether <see cref="KillAsync"/> (or disposing) killed it, as opposed to the process ending on its own.</summary>
    public bool KillRequested => _killRequested;

    /// <summary>Standard output and error so far, interleaved in arrival order, one line per line.</summary>
    public string Output => Read(_output);

    public string Stdout => Read(_stdout);

    public string Stderr => Read(_stderr);

    /// <summary>Every line so far (standard output and error).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="dll"/> arguments</c> with the <see cref="DotnetHost"/>, by default in the dll's directory.</summary>
    public static ChildProcess StartDotnet(string dll, IEnumerable<string> arguments, ChildProcessOptions? options = null)
    {
        options ??= new ChildProcessOptions();
        return Start(DotnetHost, [dll, .. arguments], options with
        {
            Name = options.Name ?? Path.GetFileNameWithoutExtension(dll),
            WorkingDirectory = options.WorkingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(dll)),
        });
    }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    /// <exception cref="InvalidOperationException">The program cannot be started (not found, not executable).</exception>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, ChildProcessOptions? options = null)
    {
        options ??= new ChildProcessOptions();
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = options.RedirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (options.WorkingDirectory is { } directory)
        {
            start.WorkingDirectory = directory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Plain lines: no colours, whatever the caller's terminal says.
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "0";
        foreach (var (variable, value) in options.Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(variable);
            }
            else
            {
                start.Environment[variable] = value;
            }
        }

        StreamWriter? log = null;
        if (options.LogPath is { } logPath)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
            log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }

        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, options, log, options.Name ?? Path.GetFileNameWithoutExtension(fileName));
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, child._stdout, options.LogStandardOutput, options.OnStandardOutput);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, child._stderr, logged: true, onLine: null);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            log?.Dispose();
            process.Dispose();
            throw new InvalidOperationException($"Could not start {child.Name} ({fileName}): {e.Message}", e);
        }

        child.Pid = process.Id;
        child.WriteLog($"--- {child.Name} started, pid {child.Pid}, at {DateTimeOffset.UtcNow:O}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = child.WatchExitAsync();
        return child;
    }

    /// <summary>Waits until a line contains <paramref name="text"/> (also a line already written) and returns that line.</summary>
    /// <exception cref="TimeoutException">No such line within <paramref name="timeout"/> (the message carries the output).</exception>
    /// <exception cref="InvalidOperationException">The process exited without writing such a line.</exception>
    public Task<string> WaitForLineAsync(string text, TimeSpan timeout, CancellationToken ct = default) =>
        WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), $"'{text}'", timeout, ct);

    /// <summary>Waits until <paramref name="count"/> lines contain <paramref name="text"/>; fails like <see cref="WaitForLineAsync(string, TimeSpan, CancellationToken)"/>.</summary>
    public Task<string> WaitForLinesAsync(string text, int count, TimeSpan timeout, CancellationToken ct = default)
    {
        var seen = 0;
        return WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal) && ++seen == count, $"{count} × '{text}'", timeout, ct);
    }

    /// <summary>Waits until <paramref name="match"/> accepts a line and returns it; <paramref name="what"/> names it in failures.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan timeout, CancellationToken ct = default)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            _waiters.Add((match, seen));
        }

        try
        {
            // Exited completes only after the output was read to its end: a line written before the exit is seen first.
            await Task.WhenAny(seen.Task, _exited.Task).WaitAsync(timeout, ct);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{Describe()} did not write a line with {what} within {timeout.TotalSeconds} s.\n{OutputForFailure()}", e);
        }

        if (seen.Task.IsCompleted)
        {
            return await seen.Task;
        }

        throw new InvalidOperationException($"{Describe()} exited with code {_exited.Task.Result} before it wrote a line with {what}.\n{OutputForFailure()}");
    }

    /// <summary>Waits for the exit (and the end of the output) and returns the exit code.</summary>
    /// <exception cref="TimeoutException">Still running after <paramref name="timeout"/>; it is SIGKILLed first.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        try
        {
            return await _exited.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException e)
        {
            await KillAsync(CancellationToken.None);
            throw new TimeoutException($"{Describe()} did not exit within {timeout.TotalSeconds} s.\n{OutputForFailure()}", e);
        }
    }

    /// <summary>Writes <paramref name="text"/> to standard input (see <see cref="ChildProcessOptions.RedirectInput"/>) and closes it.</summary>
    public async Task WriteInputAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        _process.StandardInput.Close();
    }

    /// <summary>SIGKILL (the process and any children): no chance to flush, finish a batch, ack or reply. Returns once it is gone.</summary>
    public async Task KillAsync(CancellationToken ct = default)
    {
        _killRequested = true;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        await _exited.Task.WaitAsync(ct);
    }

    /// <summary>SIGTERM (a graceful stop) without waiting for the exit.</summary>
    public Task TerminateAsync() => SignalAsync("TERM");

    /// <summary>SIGTERM, then SIGKILL if it still runs after <paramref name="grace"/> (default <see cref="DefaultStopGrace"/>). Returns the exit code.</summary>
    /// <exception cref="TimeoutException">It did not stop within the grace and was SIGKILLed (the message carries the output).</exception>
    public async Task<int> StopAsync(TimeSpan? grace = null)
    {
        var wait = grace ?? DefaultStopGrace;
        await TerminateAsync();
        try
        {
            return await _exited.Task.WaitAsync(wait);
        }
        catch (TimeoutException e)
        {
            await KillAsync();
            throw new TimeoutException($"{Describe()} did not stop within {wait.TotalSeconds} s of SIGTERM and was killed.\n{OutputForFailure()}", e);
        }
    }

    /// <summary>SIGSTOP: the process is frozen (a hung worker, as the broker and the clients see it) until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    /// <summary>The last <paramref name="count"/> lines (of the log file when there is one, else of the output kept), for failure messages.</summary>
    public string Tail(int count)
    {
        if (LogPath is null)
        {
            return string.Join('\n', Lines.TakeLast(count));
        }

        try
        {
            // The log is written with AutoFlush: the file is up to date.
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join('\n', reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(count));
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
            using var timeout = new CancellationTokenSource(s_disposeTimeout);
            try
            {
                await KillAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Unkillable within the bound; nothing more to do.
            }
        }

        _process.Dispose();
        lock (_lock)
        {
            _log?.Dispose();
        }
    }

    private async Task SignalAsync(string signal)
    {
        if (HasExited)
        {
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException($"Could not run kill -{signal}.");
        await kill.WaitForExitAsync();
    }

    private async Task WatchExitAsync()
    {
        // Also drains the redirected output, so the output and the log are complete when Exited completes.
        await _process.WaitForExitAsync();
        var code = _process.ExitCode;
        WriteLog($"--- {Name} (pid {Pid}) exited with code {code}{(_killRequested ? " (killed)" : "")} at {DateTimeOffset.UtcNow:O}");
        _exited.TrySetResult(code);
    }

    private void OnLine(string? line, StringBuilder stream, bool logged, Action<string>? onLine)
    {
        if (line is null)
        {
            return;
        }

        if (logged)
        {
            WriteLog(line);
        }

        onLine?.Invoke(line);
        List<TaskCompletionSource<string>> matched = [];
        lock (_lock)
        {
            if (_options.KeepOutput)
            {
                stream.AppendLine(line);
                _output.AppendLine(line);
                _lines.Add(line);
            }

            _waiters.RemoveAll(waiter =>
            {
                if (!waiter.Match(line))
                {
                    return false;
                }

                matched.Add(waiter.Seen);
                return true;
            });
        }

        matched.ForEach(seen => seen.TrySetResult(line));
    }

    private void WriteLog(string line)
    {
        if (_log is null)
        {
            return;
        }

        lock (_lock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // A last line after the log was closed.
            }
        }
    }

    private string Read(StringBuilder text)
    {
        lock (_lock)
        {
            return text.ToString();
        }
    }

    private string Describe() => $"{Name} (pid {Pid})";

    /// <summary>The output (or the log tail when the output is not kept), for failure messages.</summary>
    internal string OutputForFailure() =>
        _options.KeepOutput ? $"Its output:\n{Output}" : $"Its log {LogPath}, last lines:\n{Tail(30)}";
}
