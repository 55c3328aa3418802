using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Telemetry;

/// <summary>
/// Serves <c>/metrics</c> (the <see cref="WorkerMetrics"/> meter in Prometheus text, by OpenTelemetry's exporter) and
/// <c>/health</c> (JSON) on one Kestrel listener, when <c>Statehouse:Http:Enabled</c>. It is a small web host of its own,
/// started before the worker, so that a standby waiting for the store already answers (503), and stopped after it.
/// </summary>
internal sealed class MonitoringServer(
    HttpOptions settings, WorkerHealth health, StoreOpener opener, WorkerCounters counters, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    public const string MetricsPath = "/metrics";
    public const string HealthPath = "/health";

    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            return;
        }

        WorkerMetrics.Create(counters);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(settings.Address), settings.Port));
        // The worker's loggers and settings, not a second console logger; the worker's host owns Ctrl+C and SIGTERM.
        builder.Services.Replace(ServiceDescriptor.Singleton(loggers));
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, PassiveLifetime>());
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("statehouse-worker", serviceVersion: ServerInfo.Version))
            .WithMetrics(metrics => metrics
                .AddMeter(WorkerMetrics.MeterName)
                .AddPrometheusExporter(prometheus =>
                {
                    // No cached scrapes: what a scrape shows is the worker's state at that moment.
                    prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                    // One meter only: otel_scope_name and otel_scope_version labels on every series would say nothing.
                    prometheus.ScopeInfoEnabled = false;
                }));

        var app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(MetricsPath);
        app.Map(HealthPath, branch => branch.Run(WriteHealthAsync));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException(
                $"Cannot serve metrics and health on {settings.Address}:{settings.Port} (Statehouse:Http): {ex.Message}", ex);
        }

        _app = app;
        var url = app.Urls.First().TrimEnd('/');
        loggers.CreateLogger<MonitoringServer>().MonitoringListening(url + MetricsPath, url + HealthPath);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task WriteHealthAsync(HttpContext context)
    {
        HealthDocument document;
        if (opener.IsOpen)
        {
            var report = health.Snapshot(opener.Store.LastCommitTs);
            document = new HealthDocument(report.Status, report.Healthy, health.StorageWritable, health.BrokerConnected,
                health.Consuming, report.LastCommitTs, report.ServerVersion, report.SchemaVersion, report.Detail, report.Role);
        }
        else if (opener.ReadStandbyLastCommitTs() is { } activeLastCommitTs)
        {
            // The store's own figure, as the active worker wrote it: a standby that takes over continues from here.
            document = new HealthDocument("standby", Healthy: false, StorageWritable: false, health.BrokerConnected,
                health.Consuming, activeLastCommitTs, ServerInfo.Version, Contracts.WireFormat.SchemaVersion,
                "A standby: another worker holds the store and is active; this one takes over when it releases the store. " +
                "last_commit_ts is the store's, read as a RocksDB secondary instance.");
        }
        else
        {
            document = new HealthDocument("store-not-open", Healthy: false, StorageWritable: false, health.BrokerConnected,
                health.Consuming, LastCommitTs: 0, ServerInfo.Version, Contracts.WireFormat.SchemaVersion,
                "The store is not open yet: starting, or a standby waiting for the active worker to release it " +
                "(last_commit_ts unknown, not 0).");
        }

        context.Response.StatusCode = document.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(document, HealthDocumentJsonContext.Default.HealthDocument, cancellationToken: context.RequestAborted);
    }

    /// <summary>Leaves start and stop to whoever calls them: here, the worker's host.</summary>
    private sealed class PassiveLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
