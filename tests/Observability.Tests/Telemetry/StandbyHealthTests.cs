using System.Net;
using Statehouse.Client;
using Statehouse.Observability.Tests.Infrastructure;

namespace Statehouse.Observability.Tests.Telemetry;

/// <summary>A standby on the active worker's store directory: its health reports the store's figures, not zero.</summary>
public sealed class StandbyHealthTests
{
    [Fact]
    public async Task Health_StandbyWaitingForTheStore_ReportsTheStoresLastCommitTsAsItGrows()
    {
        await ObservabilityBroker.EnsureReachableAsync();
        var prefix = ObservabilityBroker.UniquePrefix();
        try
        {
            await using var active = WorkerUnderTest.Start(prefix, ObservabilityBroker.Uri);
            await active.WaitUntilReadyAsync();
            await using var client = await StatehouseClient.ConnectAsync(new StatehouseClientOptions { Uri = ObservabilityBroker.Uri, QueuePrefix = prefix });
            for (var i = 1; i <= 3; i++)
            {
                await using var tx = client.BeginTransaction();
                await tx.Write("agent", "k", i).CommitAsync();
            }

            // Same prefix, so the same store directory: this one waits for the store's lock.
            await using var standby = WorkerUnderTest.Start(prefix, ObservabilityBroker.Uri, "Statehouse:Http:Enabled=true", "Statehouse:Http:Port=0");
            using var monitoring = new MonitoringClient(await standby.WaitForMonitoringAsync());
            await standby.WaitForLineAsync(l => l.Contains("Standby: the store", StringComparison.Ordinal), "that it waits as a standby");
            var (status, _, body) = await monitoring.GetHealthAsync();
            await using (var tx = client.BeginTransaction())
            {
                await tx.Write("agent", "k", 4).CommitAsync();
            }

            var (_, _, after) = await monitoring.GetHealthAsync();

            Assert.Equal(3, body.GetProperty("last_commit_ts").GetInt64());
            Assert.Equal(4, after.GetProperty("last_commit_ts").GetInt64());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("standby", body.GetProperty("status").GetString());
            Assert.False(body.GetProperty("healthy").GetBoolean());
            Assert.False(body.GetProperty("consuming").GetBoolean());
            Assert.Contains("standby", body.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await ObservabilityBroker.DeleteTopologyAsync(prefix);
        }
    }
}
