using System.Globalization;
using Statehouse.AgentFramework.Checkpointing;
using Statehouse.Client;
using Statehouse.Examples.AgentWorkflow;
using Statehouse.Examples.Tests.Infrastructure;
using Statehouse.Testing.Processes;

namespace Statehouse.Examples.Tests.AgentWorkflow;

/// <summary>
/// The Agent Framework workflow example as a user runs it: real processes (killed with SIGKILL by themselves) against a
/// real broker and worker, checkpoints in Statehouse through <see cref="StatehouseCheckpointStore"/>.
/// </summary>
public sealed class AgentWorkflowTests(WorkerFixture worker) : IClassFixture<WorkerFixture>
{
    /// <summary>The default question names four known topics: plan, four research steps, answer.</summary>
    private const int StepCount = 6;

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);
    private static readonly string s_dll = BuildOutput.Find("examples/AgentWorkflow", "Statehouse.Examples.AgentWorkflow.dll");

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(StepCount)]
    public async Task Run_CrashAtStepThenResume_EndsLikeAnUninterruptedRunAndRunsEachStepOnce(int crashAtStep)
    {
        await using var client = await worker.ConnectClientAsync();
        var store = new StatehouseCheckpointStore(client);
        var (whole, crashed) = (NewSession(), NewSession());
        var (wholeCode, wholeOutput) = await worker.RunToEndAsync(s_dll, "--session", whole);
        Assert.True(wholeCode == ExitCodes.Done, $"The uninterrupted run exited with {wholeCode}:\n{wholeOutput}\nWorker log:\n{worker.WorkerLog}");

        var (crashCode, crashOutput) = await worker.RunToEndAsync(s_dll, "--session", crashed, "--crash-at-step", crashAtStep.ToString(CultureInfo.InvariantCulture));

        Assert.True(crashCode != ExitCodes.Done, $"The run should have killed itself at step {crashAtStep} but exited with 0:\n{crashOutput}");
        Assert.Contains($"CRASH --crash-at-step {crashAtStep}", crashOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Answer:", crashOutput, StringComparison.Ordinal);
        Assert.Equal(crashAtStep, await store.ListCheckpointsAsync(crashed).CountAsync());
        Assert.Equal(Enumerable.Repeat(1L, crashAtStep), await StepRunCountsAsync(client, crashed));

        var (resumeCode, resumeOutput) = await worker.RunToEndAsync(s_dll, "--session", crashed, "--resume");

        Assert.True(resumeCode == ExitCodes.Done, $"The resumed run exited with {resumeCode}:\n{resumeOutput}\nWorker log:\n{worker.WorkerLog}");
        for (var step = 1; step <= crashAtStep; step++)
        {
            Assert.DoesNotContain($"  step {step}/", resumeOutput, StringComparison.Ordinal);
        }

        string[] stepLines = [.. StepLines(crashOutput), .. StepLines(resumeOutput)];
        Assert.Equal(StepLines(wholeOutput), stepLines);
        Assert.Equal(AnswerOf(wholeOutput), AnswerOf(resumeOutput));
        Assert.Equal(Enumerable.Repeat(1L, StepCount), await StepRunCountsAsync(client, crashed));
        await AssertLinearChainAsync(store, crashed, StepCount);
        Assert.Contains($"{StepCount} checkpoints, one linear chain", resumeOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_TwoProcessesAtOnce_OneFinishesTheOtherExitsWithCheckpointConflict()
    {
        await using var client = await worker.ConnectClientAsync();
        var store = new StatehouseCheckpointStore(client);
        var (whole, session) = (NewSession(), NewSession());
        var (wholeCode, wholeOutput) = await worker.RunToEndAsync(s_dll, "--session", whole);
        Assert.True(wholeCode == ExitCodes.Done, $"The uninterrupted run exited with {wholeCode}:\n{wholeOutput}\nWorker log:\n{worker.WorkerLog}");
        var (crashCode, crashOutput) = await worker.RunToEndAsync(s_dll, "--session", session, "--crash-at-step", "2");
        Assert.True(crashCode != ExitCodes.Done, crashOutput);

        // Both restore checkpoint 2 and hold there; releasing both lets them race to save checkpoint 3.
        await using var first = worker.Start(s_dll, redirectInput: true, "--session", session, "--resume", "--pause-after-restore");
        await using var second = worker.Start(s_dll, redirectInput: true, "--session", session, "--resume", "--pause-after-restore");
        await first.WaitForLineAsync("Paused after restoring", s_timeout);
        await second.WaitForLineAsync("Paused after restoring", s_timeout);
        await Task.WhenAll(first.WriteInputAsync(""), second.WriteInputAsync(""));
        var codes = await Task.WhenAll(first.WaitForExitAsync(s_timeout), second.WaitForExitAsync(s_timeout));

        var both = $"first:\n{first.Output}\nsecond:\n{second.Output}";
        Assert.True(codes.Order().SequenceEqual([ExitCodes.Done, ExitCodes.CheckpointConflict]), $"Exit codes {codes[0]} and {codes[1]}:\n{both}");
        var (winner, loser) = codes[0] == ExitCodes.Done ? (first, second) : (second, first);
        Assert.Contains($"workflow session '{session}' was checkpointed by another writer", loser.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Answer:", loser.Output, StringComparison.Ordinal);
        Assert.Equal(AnswerOf(wholeOutput), AnswerOf(winner.Output));
        await AssertLinearChainAsync(store, session, StepCount);

        // Step 3 is the only one the loser ran: its work was done twice, its checkpoint never saved.
        var runCounts = await StepRunCountsAsync(client, session);
        Assert.Equal(new long[] { 1, 1, 2, 1, 1, 1 }, runCounts);
    }

    [Fact]
    public async Task Resume_TwoProcessesRacingUnaligned_NeverForkTheChain()
    {
        await using var client = await worker.ConnectClientAsync();
        var store = new StatehouseCheckpointStore(client);
        var session = NewSession();
        var (crashCode, crashOutput) = await worker.RunToEndAsync(s_dll, "--session", session, "--crash-at-step", "1");
        Assert.True(crashCode != ExitCodes.Done, crashOutput);

        var results = await Task.WhenAll(
            worker.RunToEndAsync(s_dll, "--session", session, "--resume"),
            worker.RunToEndAsync(s_dll, "--session", session, "--resume"));

        // Whatever the interleaving: one finishes; the other finishes too (it restored after the end) or stops with the conflict.
        var both = string.Join("\n---\n", results.Select(r => $"exit {r.ExitCode}:\n{r.Output}"));
        Assert.Contains(results, r => r.ExitCode == ExitCodes.Done);
        Assert.All(results, r => Assert.True(r.ExitCode is ExitCodes.Done or ExitCodes.CheckpointConflict, both));
        await AssertLinearChainAsync(store, session, StepCount);
    }

    [Fact]
    public async Task Resume_UnknownSession_ExitsWithAClearErrorAndWritesNothing()
    {
        await using var client = await worker.ConnectClientAsync();
        var session = NewSession();

        var (code, output) = await worker.RunToEndAsync(s_dll, "--session", session, "--resume");

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains($"Statehouse has no checkpoint of session {session}", output, StringComparison.Ordinal);
        Assert.Empty(await new StatehouseCheckpointStore(client).ListCheckpointsAsync(session).ToListAsync());
        Assert.Empty(await StepRunCountsAsync(client, session));
    }

    /// <summary>The session's checkpoints are 1..<paramref name="count"/>, each the child of the one before.</summary>
    private static async Task AssertLinearChainAsync(StatehouseCheckpointStore store, string session, int count)
    {
        var chain = await store.ListCheckpointsAsync(session).ToListAsync();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), chain.Select(c => c.Sequence));
        Assert.Null(chain[0].ParentCheckpointId);
        Assert.All(chain.Zip(chain.Skip(1)), pair => Assert.Equal(pair.First.CheckpointId, pair.Second.ParentCheckpointId));
        Assert.Equal(chain[^1].CheckpointId, (await store.GetLatestCheckpointAsync(session))?.CheckpointId);
    }

    /// <summary>How often each step ran, in step order: the version of each <c>step:NN</c> record.</summary>
    private static async Task<long[]> StepRunCountsAsync(StatehouseClient client, string session) =>
        await client.ScanPrefixAsync<StepRun>(StepJournal.AgentIdOf(session), StepJournal.StepPrefix)
            .Select(entry => entry.State.Version)
            .ToArrayAsync();

    private static string[] StepLines(string output) =>
        output.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.StartsWith("  step ", StringComparison.Ordinal)).ToArray();

    private static string AnswerOf(string output)
    {
        var lines = output.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var at = lines.IndexOf("Answer:");
        Assert.True(at >= 0 && at + 1 < lines.Count, $"No answer in:\n{output}");
        return lines[at + 1];
    }

    private static string NewSession() => "test-" + Guid.NewGuid().ToString("N")[..8];
}
