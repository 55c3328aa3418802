namespace Statehouse.Testcontainers.Tests.Readme;

/// <summary>The test of the module's README, verbatim: an agent's state committed and read back through the containers.</summary>
public sealed class PlannerStateTests(StatehouseFixture statehouse) : IClassFixture<StatehouseFixture>
{
    [Fact]
    public async Task Plan_CommittedInOneTransaction_IsReadBack()
    {
        var client = statehouse.Client;

        var committed = await client.BeginTransaction()
            .Write("planner", "plan", "search, then summarize")
            .Write("planner", "step", 1)
            .CommitAsync();
        var plan = await client.GetStateAsync<string>("planner", "plan");
        var step = await client.GetStateAsync<int>("planner", "step");

        Assert.Equal("search, then summarize", plan.Value);
        Assert.Equal(1, step.Value);
        Assert.Equal(committed.CommitTs, plan.CommitTs);
        Assert.Equal(committed.CommitTs, step.CommitTs);
    }
}
