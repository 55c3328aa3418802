using System.Net;
using System.Text.Json;

namespace Statehouse.Testing.Workers;

/// <summary>
/// One worker's own <c>GET /health</c> (<c>Statehouse:Http</c>), for a program that watches several workers of one
/// deployment at once (the soak, the bench's replica lag): the health read through the broker is answered by whichever
/// worker takes it, this one by the worker it names. Start each worker with <see cref="Settings"/> (loopback, any free
/// port) and find its address in its log with <see cref="FromLog"/>.
/// </summary>
public sealed class WorkerHealthEndpoint : IDisposable
{
    /// <summary>The text before the address in the worker's line "Serving metrics at … and health at URL".</summary>
    public const string LogText = " and health at ";

    private readonly HttpClient _http;

    private WorkerHealthEndpoint(Uri url)
    {
        Url = url;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>The worker settings that serve /health on loopback at a port of the system's choosing (logged at start).</summary>
    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Statehouse:Http:Enabled"] = "true",
        ["Statehouse:Http:Address"] = "127.0.0.1",
        ["Statehouse:Http:Port"] = "0",
    };

    /// <summary>The worker's health address, e.g. <c>http://127.0.0.1:40123/health</c>.</summary>
    public Uri Url { get; }

    /// <summary>The endpoint a worker logged (the last such line: a worker logs it once per start), or null when it logged none.</summary>
    public static WorkerHealthEndpoint? FromLog(IEnumerable<string> lines) =>
        lines.Reverse().Select(TryParse).FirstOrDefault(endpoint => endpoint is not null);

    /// <summary>The endpoint of one log line, or null when the line does not announce it (for a caller that sees lines as they come).</summary>
    public static WorkerHealthEndpoint? TryParse(string line)
    {
        var at = line.LastIndexOf(LogText, StringComparison.Ordinal);
        return at >= 0 && Uri.TryCreate(line[(at + LogText.Length)..].Trim(), UriKind.Absolute, out var url) ? new WorkerHealthEndpoint(url) : null;
    }

    /// <summary>Reads the health document (a 503 carries one too: a worker that is not healthy still says why).</summary>
    /// <exception cref="HttpRequestException">The worker did not answer (stopped, paused, gone), or not with a health document.</exception>
    public async Task<WorkerHealthReport> ReadAsync(CancellationToken ct)
    {
        using var response = await _http.GetAsync(Url, ct);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable))
        {
            throw new HttpRequestException($"{Url} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        try
        {
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: ct);
            var root = document.RootElement;
            return new WorkerHealthReport(
                root.TryGetProperty("status", out var status) ? status.GetString() ?? "" : "",
                root.TryGetProperty("healthy", out var healthy) && healthy.ValueKind == JsonValueKind.True,
                root.TryGetProperty("last_commit_ts", out var last) && last.TryGetInt64(out var ts) ? ts : 0,
                root.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String ? role.GetString() : null,
                root.GetRawText());
        }
        catch (JsonException e)
        {
            throw new HttpRequestException($"{Url} answered something other than a health document: {e.Message}", e);
        }
    }

    public void Dispose() => _http.Dispose();
}
