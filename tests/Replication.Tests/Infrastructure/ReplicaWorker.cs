using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Statehouse.Replication.Tests.Infrastructure;

/// <summary>
/// One worker of a <see cref="ReplicatedDeployment"/>: the process, its name (w1, w2, …) and store directory, and its
/// own <c>/health</c> and <c>/metrics</c> (on a port it picks, read from its log), which say what this worker has
/// applied and answered, whichever worker the broker routes a request to.
/// </summary>
internal sealed partial class ReplicaWorker(string name, string storePath, WorkerProcess process) : IDisposable
{
    private const string TakeoverText = "Took over as primary";

    private static readonly TimeSpan s_monitoringTimeout = TimeSpan.FromSeconds(120);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };
    private Uri? _monitoring;

    public string Name { get; } = name;

    public string StorePath { get; } = storePath;

    public WorkerProcess Process { get; } = process;

    public int Pid => Process.Pid;

    public bool HasExited => Process.HasExited;

    /// <summary>The worker's own last commit_ts (<c>/health</c>'s <c>last_commit_ts</c>), whatever its status.</summary>
    public async Task<long> LastCommitTsAsync(CancellationToken ct)
    {
        var body = await GetAsync("/health", ct);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("last_commit_ts").GetInt64();
    }

    /// <summary>How many read requests this worker answered (the <c>statehouse_reads_total</c> samples of <c>/metrics</c>, summed).</summary>
    public async Task<double> ReadsAnsweredAsync(CancellationToken ct)
    {
        var text = await GetAsync("/metrics", ct);
        return ReadsSample().Matches(text).Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// What the worker logged when it last took over as primary (its epoch, where the log was applied to, how long the
    /// fencing took), from <c>Took over</c> on; null when it never did.
    /// </summary>
    public string? LastTakeover() =>
        Process.Lines.LastOrDefault(l => l.Contains(TakeoverText, StringComparison.Ordinal)) is { } line ? line[line.IndexOf(TakeoverText, StringComparison.Ordinal)..] : null;

    public override string ToString() => $"{Name} (pid {Pid}, store {StorePath})";

    public void Dispose() => _http.Dispose();

    private async Task<string> GetAsync(string path, CancellationToken ct)
    {
        _monitoring ??= await MonitoringAsync(ct);
        using var response = await _http.GetAsync(new Uri(_monitoring, path), ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    private async Task<Uri> MonitoringAsync(CancellationToken ct)
    {
        var line = await Process.WaitForLogAsync(l => MetricsUrl().IsMatch(l), "where it serves metrics", s_monitoringTimeout, ct);
        return new Uri(MetricsUrl().Match(line).Groups["base"].Value);
    }

    [GeneratedRegex("(?<base>http://[^ \"/]+)/metrics")]
    private static partial Regex MetricsUrl();

    [GeneratedRegex(@"^statehouse_reads_total(\{[^}]*\})?\s+(?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex ReadsSample();
}
