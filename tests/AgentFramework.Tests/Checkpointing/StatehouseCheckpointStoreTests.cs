using System.Text.Json;
using Microsoft.Agents.AI.Workflows;
using Statehouse.AgentFramework.Checkpointing;
using Statehouse.AgentFramework.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.AgentFramework.Tests.Checkpointing;

public sealed class StatehouseCheckpointStoreTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task CreateCheckpointAsync_Chain_RetrievesEachAndListsBySessionAndByParent()
    {
        var client = await StartWorkerAndClientAsync();
        var store = new StatehouseCheckpointStore(client, Branching);

        var first = await store.CreateCheckpointAsync("s1", Json("""{"step":1}"""));
        var second = await store.CreateCheckpointAsync("s1", Json("""{"step":2,"text":"ünïcode \"quoted\""}"""), first);
        var third = await store.CreateCheckpointAsync("s1", Json("""{"step":3}"""), second);
        var sibling = await store.CreateCheckpointAsync("s1", Json("""{"step":"2b"}"""), first);
        var other = await store.CreateCheckpointAsync("s2", Json("""{"step":1}"""));

        Assert.All(new[] { first, second, third, sibling }, info => Assert.Equal("s1", info.SessionId));
        Assert.Equal(4, new[] { first, second, third, sibling }.Select(i => i.CheckpointId).Distinct().Count());
        Assert.Equal("""{"step":2,"text":"ünïcode \"quoted\""}""", (await store.RetrieveCheckpointAsync("s1", second)).GetRawText());
        Assert.Equal(3, (await store.RetrieveCheckpointAsync("s1", third)).GetProperty("step").GetInt32());

        Assert.Equal([first, second, third, sibling], await store.RetrieveIndexAsync("s1"));
        Assert.Equal([second, sibling], await store.RetrieveIndexAsync("s1", first));
        Assert.Equal([third], await store.RetrieveIndexAsync("s1", second));
        Assert.Empty(await store.RetrieveIndexAsync("s1", third));
        Assert.Equal([other], await store.RetrieveIndexAsync("s2"));
        Assert.Empty(await store.RetrieveIndexAsync("never-run"));

        var entries = await store.ListCheckpointsAsync("s1", Ct).ToListAsync(Ct);
        Assert.Equal([1L, 2L, 3L, 4L], entries.Select(e => e.Sequence));
        Assert.Equal([null, first.CheckpointId, second.CheckpointId, first.CheckpointId], entries.Select(e => e.ParentCheckpointId));
        Assert.Equal(sibling, await store.GetLatestCheckpointAsync("s1", Ct));
        Assert.Null(await store.GetLatestCheckpointAsync("never-run", Ct));
    }

    [Fact]
    public async Task RetrieveCheckpointAsync_UnknownCheckpoint_ThrowsKeyNotFound()
    {
        var client = await StartWorkerAndClientAsync();
        var store = new StatehouseCheckpointStore(client);
        await store.CreateCheckpointAsync("s1", Json("{}"));

        var error = await Assert.ThrowsAsync<KeyNotFoundException>(async () => await store.RetrieveCheckpointAsync("s1", new CheckpointInfo("s1", "missing")));
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("workflow:s1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateCheckpointAsync_EachSave_IsOneTransactionReplayableUnderTheSessionAgent()
    {
        var client = await StartWorkerAndClientAsync();
        var store = new StatehouseCheckpointStore(client, new StatehouseCheckpointStoreOptions { AgentIdPrefix = "wf/" });
        var first = await store.CreateCheckpointAsync("run-7", Json("""{"n":1}"""));
        var second = await store.CreateCheckpointAsync("run-7", Json("""{"n":2}"""), first);

        Assert.Equal("wf/run-7", store.AgentIdFor("run-7"));
        var events = await client.ReplayAsync("wf/run-7", ct: Ct).ToListAsync(Ct);

        Assert.Equal(2, events.Count);
        Assert.Equal(
            new[] { $"checkpoints/{first.CheckpointId}", "index/0000000000000000001", "head" }.Order(),
            events[0].Operations.Select(o => o.Key).Order());
        Assert.Equal(
            new[] { $"checkpoints/{second.CheckpointId}", "index/0000000000000000002", "head" }.Order(),
            events[1].Operations.Select(o => o.Key).Order());
        var record = events[1].Operations.Single(o => o.Key.StartsWith("checkpoints/", StringComparison.Ordinal)).As<StatehouseCheckpointRecord>();
        Assert.Equal(first.CheckpointId, record!.ParentCheckpointId);
        Assert.Equal("""{"n":2}""", record.Json);
    }

    [Fact]
    public async Task CreateCheckpointAsync_NamespaceOption_WritesIntoThatNamespaceOnly()
    {
        var client = await StartWorkerAndClientAsync();
        var store = new StatehouseCheckpointStore(client, new StatehouseCheckpointStoreOptions { Namespace = "workflows" });

        var saved = await store.CreateCheckpointAsync("s", Json("{}"));

        Assert.Equal([saved], await store.RetrieveIndexAsync("s"));
        Assert.Single(await client.ReplayAsync("workflow:s", @namespace: "workflows", ct: Ct).ToListAsync(Ct));
        Assert.Empty(await client.ReplayAsync("workflow:s", ct: Ct).ToListAsync(Ct));
        Assert.Empty(await new StatehouseCheckpointStore(client).RetrieveIndexAsync("s"));
    }

    [Fact]
    public void Constructor_WhiteSpaceNamespace_ThrowsNamingTheOption()
    {
        var options = new StatehouseCheckpointStoreOptions { Namespace = " " };

        var error = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Equal(nameof(StatehouseCheckpointStoreOptions.Namespace), error.ParamName);
    }

    [Fact]
    public async Task CreateCheckpointAsync_TwoStoresResumeOneSession_SecondSaveConflictsAndWritesNothing()
    {
        var client = await StartWorkerAndClientAsync();
        var otherClient = await Scope.ConnectClientAsync();
        var original = new StatehouseCheckpointStore(client);
        var first = await original.CreateCheckpointAsync("s", Json("""{"n":1}"""));
        var second = await original.CreateCheckpointAsync("s", Json("""{"n":2}"""), first);

        // Two processes restore the session's latest checkpoint, as two resumers would.
        var winner = new StatehouseCheckpointStore(client);
        var loser = new StatehouseCheckpointStore(otherClient);
        await winner.RetrieveCheckpointAsync("s", second);
        await loser.RetrieveCheckpointAsync("s", second);

        var won = await winner.CreateCheckpointAsync("s", Json("""{"n":3,"by":"winner"}"""), second);
        var conflict = await Assert.ThrowsAsync<StatehouseCheckpointConflictException>(
            async () => await loser.CreateCheckpointAsync("s", Json("""{"n":3,"by":"loser"}"""), second));

        Assert.Equal("s", conflict.SessionId);
        Assert.Equal(second.CheckpointId, conflict.ParentCheckpointId);
        Assert.Equal(won.CheckpointId, conflict.CurrentHeadCheckpointId);
        Assert.Equal(Statehouse.Contracts.ErrorCode.Conflict, conflict.Code);
        Assert.Contains("'s'", conflict.Message, StringComparison.Ordinal);
        Assert.Null(await original.GetCheckpointRecordAsync("s", conflict.AttemptedCheckpointId, Ct));
        Assert.Equal([first, second, won], await original.RetrieveIndexAsync("s"));

        // The original writer also lost track of the head: its next save is refused too, not silently forked.
        await Assert.ThrowsAsync<StatehouseCheckpointConflictException>(async () => await original.CreateCheckpointAsync("s", Json("{}"), second));
        Assert.Equal(won, await original.GetLatestCheckpointAsync("s", Ct));

        // Restoring again makes the loser current; it then continues the session.
        await loser.RetrieveCheckpointAsync("s", won);
        var next = await loser.CreateCheckpointAsync("s", Json("""{"n":4}"""), won);
        Assert.Equal([first, second, won, next], await original.RetrieveIndexAsync("s"));
    }

    [Fact]
    public async Task CreateCheckpointAsync_AfterRestoringACheckpointThatIsNotTheHead_ConflictsInsteadOfBranching()
    {
        var client = await StartWorkerAndClientAsync();
        var writer = new StatehouseCheckpointStore(client);
        var first = await writer.CreateCheckpointAsync("s", Json("""{"n":1}"""));
        var second = await writer.CreateCheckpointAsync("s", Json("""{"n":2}"""), first);

        // A resumer that read "the latest" before another process saved `second`, and restores `first` only now: it sees
        // the head's current version, but its run continues from `first`.
        var resumer = new StatehouseCheckpointStore(await Scope.ConnectClientAsync());
        await resumer.RetrieveCheckpointAsync("s", first);
        var conflict = await Assert.ThrowsAsync<StatehouseCheckpointConflictException>(
            async () => await resumer.CreateCheckpointAsync("s", Json("""{"n":2,"by":"resumer"}"""), first));

        Assert.Equal((first.CheckpointId, second.CheckpointId), (conflict.ParentCheckpointId, conflict.CurrentHeadCheckpointId));
        Assert.Equal([first, second], await writer.RetrieveIndexAsync("s"));

        // Restoring the head lets it continue the one chain.
        await resumer.RetrieveCheckpointAsync("s", second);
        var third = await resumer.CreateCheckpointAsync("s", Json("""{"n":3}"""), second);
        Assert.Equal([first, second, third], await writer.RetrieveIndexAsync("s"));
    }

    [Fact]
    public async Task CreateCheckpointAsync_FreshStoreOnExistingSession_ConflictsInsteadOfForking()
    {
        var client = await StartWorkerAndClientAsync();
        var first = await new StatehouseCheckpointStore(client).CreateCheckpointAsync("s", Json("{}"));

        var fresh = new StatehouseCheckpointStore(await Scope.ConnectClientAsync());
        var conflict = await Assert.ThrowsAsync<StatehouseCheckpointConflictException>(async () => await fresh.CreateCheckpointAsync("s", Json("{}")));

        Assert.Null(conflict.ParentCheckpointId);
        Assert.Equal(first.CheckpointId, conflict.CurrentHeadCheckpointId);
        Assert.Equal([first], await fresh.RetrieveIndexAsync("s"));
    }

    [Fact]
    public async Task Workflow_RunWithCheckpointing_SavesOneCheckpointPerSuperstepInStatehouse()
    {
        var client = await StartWorkerAndClientAsync();
        var store = new StatehouseCheckpointStore(client);
        var steps = new ThreeStepWorkflow();

        await using var run = await InProcessExecution.RunStreamingAsync(steps.Workflow, "why is the sky blue", CheckpointManager.CreateJson(store), "session-a", Ct);
        var outcome = await WorkflowRuns.WatchAsync(run, Ct);

        Assert.Empty(outcome.Errors);
        Assert.Equal([ThreeStepWorkflow.ExpectedAnswer("why is the sky blue")], outcome.Outputs);
        Assert.True(outcome.Checkpoints.Count >= 3, $"expected a checkpoint per superstep, got {outcome.Checkpoints.Count}");
        Assert.Equal(outcome.Checkpoints, await store.RetrieveIndexAsync("session-a"));
        var entries = await store.ListCheckpointsAsync("session-a", Ct).ToListAsync(Ct);
        Assert.Equal(entries.Select(e => e.CheckpointId).SkipLast(1), entries.Skip(1).Select(e => e.ParentCheckpointId));
        Assert.Equal(outcome.Checkpoints[^1], await store.GetLatestCheckpointAsync("session-a", Ct));
    }

    [Fact]
    public async Task Workflow_ResumeFromCheckpointOfAnotherClient_FinishesWithoutRedoingFinishedSteps()
    {
        await Scope.StartWorkerAsync();
        var writerClient = await Scope.ConnectClientAsync();
        var firstProcess = new ThreeStepWorkflow();
        await using (var run = await InProcessExecution.RunStreamingAsync(
            firstProcess.Workflow, "q", CheckpointManager.CreateJson(new StatehouseCheckpointStore(writerClient)), "session-r", Ct))
        {
            var uninterrupted = await WorkflowRuns.WatchAsync(run, Ct);
            Assert.Equal([ThreeStepWorkflow.ExpectedAnswer("q")], uninterrupted.Outputs);
        }

        await writerClient.DisposeAsync();

        // Another client, another store, another workflow instance: all it shares with the first is Statehouse.
        // It goes back to the checkpoint after the plan, before the head: a branch of the finished session.
        var resumerClient = await Scope.ConnectClientAsync();
        var store = new StatehouseCheckpointStore(resumerClient, Branching);
        var afterPlan = (await store.RetrieveIndexAsync("session-r")).First();
        var secondProcess = new ThreeStepWorkflow();

        await using var resumed = await InProcessExecution.ResumeStreamingAsync(secondProcess.Workflow, afterPlan, CheckpointManager.CreateJson(store), Ct);
        var outcome = await WorkflowRuns.WatchAsync(resumed, Ct);

        Assert.Empty(outcome.Errors);
        Assert.Equal([ThreeStepWorkflow.ExpectedAnswer("q")], outcome.Outputs);
        Assert.Equal(0, secondProcess.RunsOf("plan"));
        Assert.Equal(1, secondProcess.RunsOf("research"));
        Assert.Equal(1, secondProcess.RunsOf("answer"));
        var entries = await store.ListCheckpointsAsync("session-r", Ct).ToListAsync(Ct);
        Assert.Contains(entries, e => e.ParentCheckpointId == afterPlan.CheckpointId && e.Sequence > 3);
    }

    [Fact]
    public async Task Workflow_TwoResumersOfOneSession_OneFinishesTheOtherGetsTheConflict()
    {
        await Scope.StartWorkerAsync();
        var seedClient = await Scope.ConnectClientAsync();
        await using (var run = await InProcessExecution.RunStreamingAsync(
            new ThreeStepWorkflow().Workflow, "q", CheckpointManager.CreateJson(new StatehouseCheckpointStore(seedClient)), "session-c", Ct))
        {
            Assert.Empty((await WorkflowRuns.WatchAsync(run, Ct)).Errors);
        }

        var seedStore = new StatehouseCheckpointStore(seedClient);
        var before = await seedStore.ListCheckpointsAsync("session-c", Ct).ToListAsync(Ct);
        var afterPlan = new CheckpointInfo("session-c", before[0].CheckpointId);

        // Both go back to the checkpoint after the plan (a branch; without AllowBranches both saves would be refused).
        var first = new StatehouseCheckpointStore(await Scope.ConnectClientAsync(), Branching);
        var second = new StatehouseCheckpointStore(await Scope.ConnectClientAsync(), Branching);
        await using var runA = await InProcessExecution.ResumeStreamingAsync(new ThreeStepWorkflow().Workflow, afterPlan, CheckpointManager.CreateJson(first), Ct);
        await using var runB = await InProcessExecution.ResumeStreamingAsync(new ThreeStepWorkflow().Workflow, afterPlan, CheckpointManager.CreateJson(second), Ct);
        var outcomes = await Task.WhenAll(WorkflowRuns.WatchAsync(runA, Ct), WorkflowRuns.WatchAsync(runB, Ct));
        foreach (var outcome in outcomes)
        {
            Output.WriteLine($"outputs [{string.Join(", ", outcome.Outputs)}], checkpoints {outcome.Checkpoints.Count}, errors [{string.Join(" | ", outcome.Errors.Select(e => e.GetType().Name + ": " + e.Message))}]");
        }

        var winner = Assert.Single(outcomes, o => o.Errors.Count == 0);
        var loser = Assert.Single(outcomes, o => o.Errors.Count > 0);
        Assert.Equal([ThreeStepWorkflow.ExpectedAnswer("q")], winner.Outputs);
        Assert.Contains(loser.Errors, e => FindConflict(e) is { SessionId: "session-c" });

        // No fork: everything saved after the restore is one chain, the winner's.
        var after = (await seedStore.ListCheckpointsAsync("session-c", Ct).ToListAsync(Ct)).Skip(before.Count).ToList();
        Assert.Equal(winner.Checkpoints.Select(c => c.CheckpointId), after.Select(e => e.CheckpointId));
        Assert.Equal(afterPlan.CheckpointId, after[0].ParentCheckpointId);
        Assert.Equal(after.Select(e => e.CheckpointId).SkipLast(1), after.Skip(1).Select(e => e.ParentCheckpointId));
    }

    private static StatehouseCheckpointStoreOptions Branching => new() { AllowBranches = true };

    private static StatehouseCheckpointConflictException? FindConflict(Exception? error) => error switch
    {
        null => null,
        StatehouseCheckpointConflictException conflict => conflict,
        AggregateException aggregate => aggregate.InnerExceptions.Select(FindConflict).FirstOrDefault(c => c is not null),
        _ => FindConflict(error.InnerException),
    };

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
