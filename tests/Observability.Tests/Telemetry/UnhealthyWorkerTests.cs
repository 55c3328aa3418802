using System.Net;
using Statehouse.Observability.Tests.Infrastructure;

namespace Statehouse.Observability.Tests.Telemetry;

/// <summary>Workers that cannot do their job; no broker is needed.</summary>
public sealed class UnhealthyWorkerTests
{
    [Fact]
    public async Task Health_BrokerUnreachable_Returns503BrokerDisconnected()
    {
        // Nothing listens on port 1: every connection attempt is refused at once.
        await using var worker = WorkerUnderTest.Start(ObservabilityBroker.UniquePrefix(), new Uri("amqp://guest:guest@127.0.0.1:1/"),
            "Statehouse:Http:Enabled=true", "Statehouse:Http:Port=0", "Statehouse:Broker:ReconnectDelaySeconds=0.5");
        using var monitoring = new MonitoringClient(await worker.WaitForMonitoringAsync());
        await worker.WaitForLineAsync(l => l.Contains("Cannot reach the broker", StringComparison.Ordinal), "a failed broker connection");

        var (status, _, body) = await monitoring.GetHealthAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("broker-disconnected", body.GetProperty("status").GetString());
        Assert.False(body.GetProperty("healthy").GetBoolean());
        Assert.True(body.GetProperty("storage_writable").GetBoolean());
        Assert.False(body.GetProperty("broker_connected").GetBoolean());
        Assert.False(body.GetProperty("consuming").GetBoolean());
        Assert.Equal(0, body.GetProperty("last_commit_ts").GetInt64());
    }

    [Fact]
    public async Task Start_NonLoopbackAddressWithoutOptIn_ExitsNamingTheSetting()
    {
        // It refuses the setting before it connects: the broker does not matter.
        await using var worker = WorkerUnderTest.Start(ObservabilityBroker.UniquePrefix(), new Uri("amqp://guest:guest@127.0.0.1:1/"),
            "Statehouse:Http:Enabled=true", "Statehouse:Http:Address=0.0.0.0");

        Assert.Equal(1, await worker.WaitForExitAsync());
        Assert.Contains("Statehouse:Http:AllowNonLoopback", worker.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Serving metrics", worker.Output, StringComparison.Ordinal);
    }
}
