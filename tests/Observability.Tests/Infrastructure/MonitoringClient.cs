using System.Net;
using System.Text.Json;

namespace Statehouse.Observability.Tests.Infrastructure;

/// <summary>Reads a worker's <c>/metrics</c> and <c>/health</c>.</summary>
public sealed class MonitoringClient(Uri baseAddress) : IDisposable
{
    private static readonly TimeSpan s_settleTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(100);

    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<PrometheusScrape> ScrapeAsync()
    {
        using var response = await _http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusScrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Scrapes until <paramref name="settled"/> holds. For what the worker records after it replied (the histograms, the
    /// polled queue gauge): a scrape has no event to wait for, so this polls, bounded by a timeout.
    /// </summary>
    public async Task<PrometheusScrape> ScrapeUntilAsync(Func<PrometheusScrape, bool> settled, string what)
    {
        var deadline = DateTime.UtcNow + s_settleTimeout;
        while (true)
        {
            var scrape = await ScrapeAsync();
            if (settled(scrape))
            {
                return scrape;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"The metrics did not show {what} within {s_settleTimeout.TotalSeconds} s. Last scrape:\n{scrape.Text}");
            }

            await Task.Delay(s_pollInterval);
        }
    }

    public async Task<(HttpStatusCode Status, string? MediaType, JsonElement Body)> GetHealthAsync()
    {
        using var response = await _http.GetAsync("/health");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }

    public void Dispose() => _http.Dispose();
}
