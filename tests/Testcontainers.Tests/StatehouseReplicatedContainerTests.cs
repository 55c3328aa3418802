using Statehouse.Client;
using Statehouse.Testcontainers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Testcontainers.Tests;

/// <summary>
/// The replicated variant: a broker (one node, or a cluster of three), a primary and a replica, each with its own store. Killing the primary's
/// container (SIGKILL) loses no acknowledged commit: the replica takes over and the next commit goes through it.
/// </summary>
public sealed class StatehouseReplicatedContainerTests(ITestOutputHelper output) : ContainerTest(output)
{
    private const int Commits = 20;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task KillPrimary_NextCommitThroughOtherWorker_EarlierCommitsReadable(int rabbitMqNodes)
    {
        await using var statehouse = new StatehouseReplicatedBuilder(StatehouseImages.Worker)
            .WithRabbitMqNodes(rabbitMqNodes)
            .WithWorkers(w => w.WithLabel(Labels))
            .Build();
        var starting = DateTimeOffset.UtcNow;
        await DockerResources.StartAsync(statehouse.StartAsync, Ct);
        Output.WriteLine($"{rabbitMqNodes} broker node(s) and 2 workers ready in {(DateTimeOffset.UtcNow - starting).TotalSeconds:F1} s");
        if (rabbitMqNodes > 1)
        {
            var status = await statehouse.RabbitMqNodes[0].ExecAsync(["rabbitmqctl", "-q", "cluster_status", "--formatter", "json"], Ct);
            using var cluster = System.Text.Json.JsonDocument.Parse(status.Stdout);
            Assert.Equal(rabbitMqNodes, cluster.RootElement.GetProperty("running_nodes").GetArrayLength());
        }

        var options = statehouse.GetClientOptions();
        options.CommitTimeout = TimeSpan.FromSeconds(5);
        options.MaxCommitAttempts = 12;
        await using var client = await StatehouseClient.ConnectAsync(options, Ct);
        var committed = new List<CommitResult>();
        for (var i = 1; i <= Commits; i++)
        {
            committed.Add(await client.BeginTransaction().Write("planner", $"step{i}", $"done {i}").Write("planner", "steps", i).CommitAsync(Ct));
        }

        var primary = await statehouse.GetPrimaryAsync(ct: Ct);
        var other = Assert.Single(statehouse.Workers, w => w != primary);
        Assert.Equal("replica", await StatehouseReplicatedContainer.GetRoleAsync(other, Ct));
        var killed = DateTimeOffset.UtcNow;
        await Docker.KillAsync(primary.Id, Ct);
        var next = await client.BeginTransaction().Write("planner", "after", "failover").Write("planner", "steps", Commits + 1).CommitAsync(Ct);
        var failover = DateTimeOffset.UtcNow - killed;
        var newPrimary = await statehouse.GetPrimaryAsync(ct: Ct);
        Output.WriteLine($"next commit {failover.TotalSeconds:F1} s after the kill, at commit_ts {next.CommitTs}");

        Assert.Same(other, newPrimary);
        Assert.Equal(Enumerable.Range(1, Commits).Select(i => (long)i), committed.Select(c => c.CommitTs));
        Assert.Equal(Commits + 1, next.CommitTs);
        Assert.Equal(Commits + 1, next.VersionOf("planner", "steps"));
        for (var i = 1; i <= Commits; i++)
        {
            var step = await client.GetStateAsync<string>("planner", $"step{i}", ct: Ct);
            Assert.Equal(($"done {i}", 1L, (long)i), (step.Value, step.Version, step.CommitTs));
        }

        var steps = await client.GetStateAsync<int>("planner", "steps", ct: Ct);
        Assert.Equal((Commits + 1, Commits + 1L, Commits + 1L), (steps.Value, steps.Version, steps.CommitTs));

        // The killed worker comes back on its own store as a replica.
        await primary.StartAsync(Ct);
        Assert.Equal("replica", await StatehouseReplicatedContainer.GetRoleAsync(primary, Ct));
    }
}
