using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Statehouse.Cli.Tests.Infrastructure;

/// <summary>
/// A .NET program (<c>dotnet X.dll args</c>) run as a child process, its stdout and stderr captured line by line.
/// Used for the worker and for the CLI alike. Waits are bounded and event-driven (<see cref="WaitForLineAsync"/>
/// completes when the line arrives); disposing kills a process still running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _waiters = [];
    private readonly Lock _lock = new();

    private ChildProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Pid { get; private set; }

    public bool HasExited => _process.HasExited;

    public string Stdout
    {
        get
        {
            lock (_lock)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_lock)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="dll"/></c>; <paramref name="environment"/> sets (or, with null, removes) variables.</summary>
    public static ChildProcess Start(string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, bool redirectInput = false)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
            if (value is null)
            {
                start.Environment.Remove(name);
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(process, Path.GetFileNameWithoutExtension(dll));
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, child._stdout);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, child._stderr);
        process.Start();
        child.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Writes <paramref name="text"/> to the process's stdin and closes it.</summary>
    public async Task WriteInputAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        _process.StandardInput.Close();
    }

    /// <summary>Waits until a line on stdout or stderr contains <paramref name="text"/> (also one already seen).</summary>
    public Task WaitForLineAsync(string text, TimeSpan timeout) => WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), text, timeout);

    /// <summary>Waits until <paramref name="count"/> lines contain <paramref name="text"/>.</summary>
    public Task WaitForLinesAsync(string text, int count, TimeSpan timeout)
    {
        var seen = 0;
        return WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal) && ++seen == count, $"{count} × {text}", timeout);
    }

    /// <summary>Waits for the exit (and the end of its output); a process still running after <paramref name="timeout"/> is killed.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Name} (pid {Pid}) did not exit within {timeout.TotalSeconds} s.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGTERM: the process's graceful stop.</summary>
    public async Task TerminateAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill -TERM.");
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }

        _process.Dispose();
    }

    private async Task WaitForLineAsync(Func<string, bool> match, string what, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_lines.Exists(line => match(line)))
            {
                return;
            }

            _waiters.Add((match, seen));
        }

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (first == seen.Task)
        {
            return;
        }

        // The line may have been the last one the process wrote before it exited.
        await Task.Yield();
        if (seen.Task.IsCompleted)
        {
            return;
        }

        var why = first == exited ? $"exited (code {_process.ExitCode})" : $"did not write it within {timeout.TotalSeconds} s";
        throw new TimeoutException($"{Name} (pid {Pid}) {why} before a line with '{what}'.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
    }

    private void OnLine(string? line, StringBuilder stream)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource> matched = [];
        lock (_lock)
        {
            stream.AppendLine(line);
            _lines.Add(line);
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

        matched.ForEach(seen => seen.TrySetResult());
    }
}
