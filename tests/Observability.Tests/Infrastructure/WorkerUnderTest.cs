using System.Text.RegularExpressions;
using Statehouse.Testing.Workers;

namespace Statehouse.Observability.Tests.Infrastructure;

/// <summary>
/// The real worker (<see cref="WorkerProcess"/>) with its own store directory and queue prefix, plus where it serves
/// metrics. Disposing kills it and deletes the store directory.
/// </summary>
public sealed partial class WorkerUnderTest : IAsyncDisposable
{
    // Generous: the worker starts in a few seconds, but the test machine is shared and may be loaded.
    private static readonly TimeSpan s_waitTimeout = TimeSpan.FromSeconds(90);

    private readonly WorkerProcess _worker;

    private WorkerUnderTest(WorkerProcess worker, string prefix, string dataPath)
    {
        _worker = worker;
        Prefix = prefix;
        DataPath = dataPath;
    }

    public string Prefix { get; }

    public string DataPath { get; }

    /// <summary>Every line the worker wrote so far (stdout and stderr).</summary>
    public IReadOnlyList<string> Lines => _worker.Lines;

    public string Output => string.Join('\n', Lines);

    public int ExitCode => _worker.ExitCode;

    /// <summary>Starts the worker on <paramref name="broker"/> with <c>Key=Value</c> <paramref name="settings"/> beside the store, broker and prefix.</summary>
    public static WorkerUnderTest Start(string prefix, Uri broker, params string[] settings)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "statehouse-" + prefix);
        var all = new[] { $"Statehouse:Storage:Path={dataPath}", $"Statehouse:Broker:Uri={broker}", $"Statehouse:Broker:QueuePrefix={prefix}" }
            .Concat(settings)
            .Select(setting => setting.Split('=', 2))
            .Select(pair => KeyValuePair.Create(pair[0], pair[1]));
        return new WorkerUnderTest(WorkerProcess.Launch(all), prefix, dataPath);
    }

    /// <summary>Waits for a line that <paramref name="match"/> accepts; fails with the output on a timeout or an exit.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, string what) => _worker.WaitForLogAsync(match, what, s_waitTimeout);

    public Task WaitUntilReadyAsync() => _worker.WaitUntilReadyAsync();

    /// <summary>The base address of the metrics and health endpoint, from the line the worker logs when it listens.</summary>
    public async Task<Uri> WaitForMonitoringAsync()
    {
        var line = await WaitForLineAsync(l => MetricsUrl().IsMatch(l), "where it serves metrics");
        return new Uri(MetricsUrl().Match(line).Groups["base"].Value);
    }

    /// <summary>Waits for the process to exit on its own and returns its exit code.</summary>
    public Task<int> WaitForExitAsync() => _worker.WaitForExitAsync(s_waitTimeout);

    public async ValueTask DisposeAsync()
    {
        await _worker.DisposeAsync();
        if (Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }
    }

    [GeneratedRegex("(?<base>http://[^ \"/]+)/metrics")]
    private static partial Regex MetricsUrl();
}
