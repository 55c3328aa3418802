using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Statehouse.Observability.Tests.Infrastructure;

/// <summary>
/// The real worker as a child process with its own store directory and queue prefix, its output captured line by line.
/// Disposing kills it and deletes the store directory.
/// </summary>
public sealed partial class WorkerUnderTest : IAsyncDisposable
{
    public const string ReadyLine = "Statehouse worker ready";

    // Generous: the worker starts in a few seconds, but the test machine is shared and may be loaded.
    private static readonly TimeSpan s_waitTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly Task _exited;

    private WorkerUnderTest(Process process, string prefix, string dataPath)
    {
        _process = process;
        Prefix = prefix;
        DataPath = dataPath;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Completes once the process exited and its output was read to the end.
        _exited = process.WaitForExitAsync();
    }

    public string Prefix { get; }

    public string DataPath { get; }

    /// <summary>Every line the worker wrote so far (stdout and stderr).</summary>
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

    public string Output => string.Join('\n', Lines);

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the worker on <paramref name="broker"/> with <c>Key=Value</c> <paramref name="settings"/> beside the store, broker and prefix.</summary>
    public static WorkerUnderTest Start(string prefix, Uri broker, params string[] settings)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "statehouse-" + prefix);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerDll);
        foreach (var setting in new[] { $"Statehouse:Storage:Path={dataPath}", $"Statehouse:Broker:Uri={broker}", $"Statehouse:Broker:QueuePrefix={prefix}" }
            .Concat(settings))
        {
            start.ArgumentList.Add("--" + setting);
        }

        return new WorkerUnderTest(new Process { StartInfo = start }, prefix, dataPath);
    }

    /// <summary>Waits for a line that <paramref name="match"/> accepts; fails with the output on a timeout or an exit.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what)
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
            await Task.WhenAny(seen.Task, _exited).WaitAsync(s_waitTimeout);
            if (seen.Task.IsCompleted)
            {
                return await seen.Task;
            }
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"The worker did not log {what} within {s_waitTimeout.TotalSeconds} s. Its output:\n{Output}");
        }

        // The output was read to its end before the exit completed, so the line will not come any more.
        throw new Xunit.Sdk.XunitException($"The worker exited with code {_process.ExitCode} before it logged {what}. Its output:\n{Output}");
    }

    public Task WaitUntilReadyAsync() => WaitForLineAsync(l => l.Contains(ReadyLine, StringComparison.Ordinal), $"'{ReadyLine}'");

    /// <summary>The base address of the metrics and health endpoint, from the line the worker logs when it listens.</summary>
    public async Task<Uri> WaitForMonitoringAsync()
    {
        var line = await WaitForLineAsync(l => MetricsUrl().IsMatch(l), "where it serves metrics");
        return new Uri(MetricsUrl().Match(line).Groups["base"].Value);
    }

    /// <summary>Waits for the process to exit on its own and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        try
        {
            await _exited.WaitAsync(s_waitTimeout);
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"The worker did not exit within {s_waitTimeout.TotalSeconds} s. Its output:\n{Output}", e);
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _exited;
        _process.Dispose();
        if (Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>The worker's own build output: the project reference builds it in this test run's configuration.</summary>
    private static string WorkerDll { get; } = FindWorkerDll();

    private static string FindWorkerDll()
    {
        var configuration = typeof(WorkerUnderTest).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Statehouse.Queue.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", "Worker", "bin", configuration, "net10.0", "Statehouse.Worker.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the worker first (dotnet build src/Worker -c {configuration}).", dll);
            }
        }

        throw new DirectoryNotFoundException($"No Statehouse.Queue.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex("(?<base>http://[^ \"/]+)/metrics")]
    private static partial Regex MetricsUrl();
}
