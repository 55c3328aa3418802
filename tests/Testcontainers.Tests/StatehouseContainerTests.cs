using Statehouse.Client;

namespace Statehouse.Testcontainers.Tests;

/// <summary>
/// The module as a user's integration test uses it: a real broker container and a real worker container (images from
/// <see cref="StatehouseImages"/>; on a machine without a registry, the local ones of scripts/images.sh).
/// </summary>
public sealed class StatehouseContainerTests
{
    [Fact]
    public async Task StartAsync_ThenCommitAndRead_ReturnsCommittedValue()
    {
        await using var statehouse = new StatehouseBuilder().Build();
        await statehouse.StartAsync();
        await using var client = await StatehouseClient.ConnectAsync(statehouse.GetClientOptions());

        var committed = await client.BeginTransaction().Write("planner", "plan", "search, then summarize").CommitAsync();
        var state = await client.GetStateAsync<string>("planner", "plan");

        Assert.Equal(1, committed.CommitTs);
        Assert.True(state.Exists);
        Assert.Equal("search, then summarize", state.Value);
        Assert.Equal(1, state.Version);
        Assert.Equal(committed.CommitTs, state.CommitTs);
    }

    [Fact]
    public async Task WithWorkerSetting_QueuePrefix_ReachesWorkerAndClientOptions()
    {
        await using var statehouse = new StatehouseBuilder().WithWorkerSetting("Statehouse:Broker:QueuePrefix", "agents-it").Build();
        await statehouse.StartAsync();
        var options = statehouse.GetClientOptions();
        await using var client = await StatehouseClient.ConnectAsync(options);

        var committed = await client.BeginTransaction().Write("planner", "step", 3).CommitAsync();

        Assert.Equal("agents-it", options.QueuePrefix);
        Assert.Equal(1, committed.CommitTs);
    }

    [Fact]
    public void WithWorkerSetting_BrokerUri_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new StatehouseBuilder().WithWorkerSetting("Statehouse:Broker:Uri", "amqp://x/"));

        Assert.Contains("set by the container itself", e.Message, StringComparison.Ordinal);
    }
}
