using System.Net;
using System.Text.Json;
using Statehouse.Observability.Tests.Infrastructure;

namespace Statehouse.Observability.Tests.Telemetry;

[Collection(CommittedWorkerCollection.Name)]
public sealed class HealthEndpointTests(CommittedWorkerFixture fixture)
{
    [Fact]
    public async Task Health_WorkerConsuming_Returns200WithEveryFlagTrue()
    {
        var (status, mediaType, body) = await fixture.Monitoring.GetHealthAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json", mediaType);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("healthy").GetBoolean());
        Assert.True(body.GetProperty("storage_writable").GetBoolean());
        Assert.True(body.GetProperty("broker_connected").GetBoolean());
        Assert.True(body.GetProperty("consuming").GetBoolean());
        Assert.Equal(fixture.Commits[^1].CommitTs, body.GetProperty("last_commit_ts").GetInt64());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("detail").ValueKind);
    }
}
