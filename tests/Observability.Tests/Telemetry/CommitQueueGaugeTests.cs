using Statehouse.Observability.Tests.Infrastructure;

namespace Statehouse.Observability.Tests.Telemetry;

public sealed class CommitQueueGaugeTests
{
    [Fact]
    public async Task Scrape_MessagesWaitingInTheCommitQueue_ReportsThemReady()
    {
        await ObservabilityBroker.EnsureReachableAsync();
        var prefix = ObservabilityBroker.UniquePrefix();
        try
        {
            // Another consumer is active and holds one message: this worker waits as the standby consumer, four stay ready.
            await using (await ObservabilityBroker.HoldCommitQueueAsync(prefix, messages: 5))
            {
                await using var worker = WorkerUnderTest.Start(prefix, ObservabilityBroker.Uri,
                    "Statehouse:Http:Enabled=true", "Statehouse:Http:Port=0", "Statehouse:Broker:QueueProbeSeconds=0.2");
                using var monitoring = new MonitoringClient(await worker.WaitForMonitoringAsync());
                await worker.WaitUntilReadyAsync();

                var scrape = await monitoring.ScrapeUntilAsync(s => s.Value("statehouse_commit_queue_ready") is not null, "the commit queue gauge");

                Assert.Equal(4, scrape.Required("statehouse_commit_queue_ready"));
                Assert.Null(scrape.Value("statehouse_commits_total"));
            }
        }
        finally
        {
            await ObservabilityBroker.DeleteTopologyAsync(prefix);
        }
    }
}
