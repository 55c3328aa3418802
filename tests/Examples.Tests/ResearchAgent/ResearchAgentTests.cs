using System.Globalization;
using Statehouse.Client;
using Statehouse.Contracts;
using Statehouse.Examples.ResearchAgent.State;
using Statehouse.Examples.Tests.Infrastructure;
using Statehouse.Testing.Processes;

namespace Statehouse.Examples.Tests.ResearchAgent;

/// <summary>The research agent as a user runs it: a real process against a real broker and worker.</summary>
public sealed class ResearchAgentTests(WorkerFixture worker) : IClassFixture<WorkerFixture>
{
    private const int StepCount = 5;

    private static readonly string s_agentDll = BuildOutput.Find("examples/ResearchAgent", "Statehouse.Examples.ResearchAgent.dll");

    [Fact]
    public async Task Run_CrashAtStep3ThenResume_CommitsEveryStepExactlyOnceAndAnswers()
    {
        var runId = NewRunId();
        var agent = AgentKeys.AgentId(runId);
        await using var client = await worker.ConnectClientAsync();

        var (crashCode, crashOutput) = await worker.RunToEndAsync(s_agentDll, "--run-id", runId, "--crash-at-step", "3");

        Assert.True(crashCode != 0, $"The agent should have killed itself at step 3 but exited with 0:\n{crashOutput}");
        Assert.Contains("CRASH", crashOutput, StringComparison.Ordinal);
        var progress = await client.GetStateAsync<Progress>(agent, AgentKeys.Progress);
        Assert.Equal(new Progress(3, StepCount), progress.Value);
        Assert.True((await client.GetStateAsync<StepRecord>(agent, AgentKeys.Step(1))).Exists);
        Assert.True((await client.GetStateAsync<StepRecord>(agent, AgentKeys.Step(2))).Exists);
        Assert.False((await client.GetStateAsync<StepRecord>(agent, AgentKeys.Step(3))).Exists);
        Assert.False((await client.GetStateAsync<string>(agent, AgentKeys.Answer)).Exists);

        var (resumeCode, resumeOutput) = await worker.RunToEndAsync(s_agentDll, "--run-id", runId, "--resume");

        Assert.True(resumeCode == 0, $"The resumed agent exited with {resumeCode}:\n{resumeOutput}\nWorker log:\n{worker.WorkerLog}");
        Assert.DoesNotContain("Step 1/", resumeOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Step 2/", resumeOutput, StringComparison.Ordinal);
        Assert.Contains("Step 3/", resumeOutput, StringComparison.Ordinal);
        await AssertAnsweredAsync(client, agent);
        await AssertHistoryAsync(client, agent);
    }

    [Fact]
    public async Task Run_RunIdAlreadyTaken_IsRefusedAndWritesNothing()
    {
        var runId = NewRunId();
        var agent = AgentKeys.AgentId(runId);
        await using var client = await worker.ConnectClientAsync();
        var (firstCode, firstOutput) = await worker.RunToEndAsync(s_agentDll, "--run-id", runId);
        Assert.True(firstCode == 0, $"The agent exited with {firstCode}:\n{firstOutput}\nWorker log:\n{worker.WorkerLog}");
        Assert.Contains("exactly once", firstOutput, StringComparison.Ordinal);

        var (secondCode, secondOutput) = await worker.RunToEndAsync(s_agentDll, "--run-id", runId);

        Assert.Equal(1, secondCode);
        Assert.Contains($"--resume --run-id {runId}", secondOutput, StringComparison.Ordinal);
        await AssertAnsweredAsync(client, agent);
        await AssertHistoryAsync(client, agent);
    }

    /// <summary>The tools' results, computed here independently, appear in the stored steps and the stored answer.</summary>
    private static async Task AssertAnsweredAsync(StatehouseClient client, string agent)
    {
        var value = 1000m;
        for (var year = 0; year < 10; year++)
        {
            value *= 1.05m;
        }

        value = Math.Round(value, 2, MidpointRounding.AwayFromZero);
        var growth = value - 1000m;
        var days = 10 * 365.25m;
        var (valueText, growthText, daysText) = (Format(value), Format(growth), Format(days));
        Assert.Equal(("1628.89", "628.89", "3652.5"), (valueText, growthText, daysText));

        Assert.Equal(valueText, (await client.GetStateAsync<StepRecord>(agent, AgentKeys.Step(1))).Value?.Output);
        Assert.Equal(growthText, (await client.GetStateAsync<StepRecord>(agent, AgentKeys.Step(2))).Value?.Output);
        Assert.Equal(daysText, (await client.GetStateAsync<StepRecord>(agent, AgentKeys.Step(3))).Value?.Output);
        var answer = (await client.GetStateAsync<string>(agent, AgentKeys.Answer)).Value;
        Assert.NotNull(answer);
        Assert.Contains($"grows to {valueText}, a growth of {growthText}", answer, StringComparison.Ordinal);
        Assert.Contains($"10 years is {daysText} days", answer, StringComparison.Ordinal);
        Assert.Equal(new Progress(StepCount + 1, StepCount), (await client.GetStateAsync<Progress>(agent, AgentKeys.Progress)).Value);
    }

    /// <summary>The plan, then steps 1-5 each exactly once and in order, each with progress; commit_ts increasing.</summary>
    private static async Task AssertHistoryAsync(StatehouseClient client, string agent)
    {
        var history = await client.ReplayAsync(agent).ToListAsync();

        Assert.Equal(1 + StepCount, history.Count);
        Assert.Equal([AgentKeys.Plan, AgentKeys.Progress], Written(history[0]));
        for (var step = 1; step <= StepCount; step++)
        {
            string[] expected = step == StepCount
                ? [AgentKeys.Step(step), AgentKeys.Progress, AgentKeys.Answer]
                : [AgentKeys.Step(step), AgentKeys.Progress];
            Assert.Equal(expected, Written(history[step]));
            Assert.Equal(step + 1, history[step].Operations.Single(o => o.Key == AgentKeys.Progress).Version);
        }

        Assert.All(history.Zip(history.Skip(1)), pair => Assert.True(pair.Second.CommitTs > pair.First.CommitTs,
            $"commit_ts {pair.Second.CommitTs} follows {pair.First.CommitTs}"));
    }

    private static string[] Written(ReplayEvent replayed) =>
        replayed.Operations.Where(o => o.Kind == OperationKind.Write).Select(o => o.Key).ToArray();

    private static string Format(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string NewRunId() => "test-" + Guid.NewGuid().ToString("N")[..8];
}
