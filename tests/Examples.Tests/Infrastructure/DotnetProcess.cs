using System.Diagnostics;
using System.Text;

namespace Statehouse.Examples.Tests.Infrastructure;

/// <summary>
/// <c>dotnet some.dll args</c> as a child process of the tests, run from the dll's own directory (its content root).
/// Collects stdout and stderr together; disposing kills it if it still runs.
/// </summary>
internal sealed class DotnetProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _watchers = [];

    private DotnetProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    public static DotnetProcess Start(string dll, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var child = new DotnetProcess(new Process { StartInfo = start });
        child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> was written; fails at once if the process exits first.</summary>
    public async Task WaitForLineAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _watchers.Add((text, seen));
        }

        using var cancel = new CancellationTokenSource(timeout);
        var exited = _process.WaitForExitAsync(cancel.Token);
        var first = await Task.WhenAny(seen.Task, exited);
        if (first == seen.Task)
        {
            return;
        }

        var why = _process.HasExited ? $"exited with code {_process.ExitCode}" : $"still running after {timeout.TotalSeconds} s";
        throw new InvalidOperationException($"dotnet {_process.StartInfo.ArgumentList[0]} (pid {Pid}) did not write '{text}': it {why}. Its output:\n{Output}");
    }

    /// <summary>Waits for the process to end and returns its exit code (128 + signal when a signal killed it).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            // Also drains the redirected output, so Output is complete afterwards.
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"dotnet {_process.StartInfo.ArgumentList[0]} (pid {Pid}) did not exit within {timeout.TotalSeconds} s. Its output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _output.AppendLine(line);
            foreach (var watcher in _watchers.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                watcher.Seen.TrySetResult();
                _watchers.Remove(watcher);
            }
        }
    }
}
