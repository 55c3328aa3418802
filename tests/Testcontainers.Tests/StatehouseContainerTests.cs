using Statehouse.Client;
using Statehouse.Testcontainers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Testcontainers.Tests;

/// <summary>
/// The module as a user's integration test uses it: a real broker container and a real worker container (images from
/// <see cref="StatehouseImages"/>; on a machine without a registry, the local ones of scripts/images.sh).
/// </summary>
public sealed class StatehouseContainerTests(ITestOutputHelper output) : ContainerTest(output)
{
    [Fact]
    public async Task StartAsync_ThenCommitAndRead_ReturnsCommittedValue()
    {
        await using var statehouse = NewBuilder().Build();
        await DockerResources.StartAsync(statehouse.StartAsync, Ct);
        await using var client = await StatehouseClient.ConnectAsync(statehouse.GetClientOptions(), Ct);

        var committed = await client.BeginTransaction().Write("planner", "plan", "search, then summarize").CommitAsync(Ct);
        var state = await client.GetStateAsync<string>("planner", "plan", ct: Ct);

        Assert.Equal(1, committed.CommitTs);
        Assert.True(state.Exists);
        Assert.Equal("search, then summarize", state.Value);
        Assert.Equal(1, state.Version);
        Assert.Equal(committed.CommitTs, state.CommitTs);
    }

    [Fact]
    public async Task WithWorkerSetting_QueuePrefix_ReachesWorkerAndClientOptions()
    {
        await using var statehouse = NewBuilder().WithWorkerSetting("Statehouse:Broker:QueuePrefix", "agents-it").Build();
        await DockerResources.StartAsync(statehouse.StartAsync, Ct);
        var options = statehouse.GetClientOptions();
        await using var client = await StatehouseClient.ConnectAsync(options, Ct);

        var committed = await client.BeginTransaction().Write("planner", "step", 3).CommitAsync(Ct);
        var (stdout, _) = await statehouse.GetLogsAsync(ct: Ct);

        Assert.Equal("agents-it", options.QueuePrefix);
        Assert.Equal(1, committed.CommitTs);
        Assert.Contains("consuming agents-it.commit", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void WithWorkerSetting_BrokerUri_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => NewBuilder().WithWorkerSetting("Statehouse:Broker:Uri", "amqp://x/"));

        Assert.Contains("set by the Statehouse module itself", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_StorePathThroughWithEnvironment_IsRefused()
    {
        var builder = NewBuilder().WithEnvironment("STATEHOUSE__STORAGE__PATH", "/tmp/elsewhere");

        var e = Assert.Throws<ArgumentException>(builder.Build);

        Assert.Contains("STATEHOUSE__STORAGE__PATH is set by the Statehouse module itself", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_AfterCommit_RemovesWorkerBrokerNetworkAndVolume()
    {
        var statehouse = NewBuilder().Build();
        List<string> running;
        try
        {
            await DockerResources.StartAsync(statehouse.StartAsync, Ct);
            await using var client = await StatehouseClient.ConnectAsync(statehouse.GetClientOptions(), Ct);
            await client.BeginTransaction().Write("planner", "plan", "v").CommitAsync(Ct);
            running = await Docker.LeftOverAsync(RunId, Ct);
        }
        finally
        {
            await statehouse.DisposeAsync();
        }

        Assert.Equal(4, running.Count);
        Assert.Equal(2, running.Count(r => r.StartsWith("container ", StringComparison.Ordinal)));
        Assert.Single(running, r => r.StartsWith("network ", StringComparison.Ordinal));
        Assert.Single(running, r => r.StartsWith("volume ", StringComparison.Ordinal));
        Assert.Empty(await Docker.LeftOverAsync(RunId, Ct));
    }

    [Fact]
    public async Task DisposeAsync_WorkerExitedAtStart_RemovesWhatWasCreated()
    {
        // An invalid setting stops the worker at start (options validated on start): the broker, network and volume exist.
        var statehouse = NewBuilder().WithWorkerSetting("Statehouse:Commit:MaxBatchCount", "0").Build();
        List<string> created;
        Exception? failure;
        try
        {
            failure = await Record.ExceptionAsync(() => statehouse.StartAsync(Ct));
            created = await Docker.LeftOverAsync(RunId, Ct);
            Output.WriteLine($"start failed with {failure?.GetType().Name}: {failure?.Message}");
        }
        finally
        {
            await statehouse.DisposeAsync();
        }

        Assert.NotNull(failure);
        Assert.Contains(created, r => r.StartsWith("volume ", StringComparison.Ordinal));
        Assert.Contains(created, r => r.StartsWith("network ", StringComparison.Ordinal));
        Assert.Equal(2, created.Count(r => r.StartsWith("container ", StringComparison.Ordinal)));
        Assert.Empty(await Docker.LeftOverAsync(RunId, Ct));
    }
}
