using Microsoft.Agents.AI.Workflows;

namespace Statehouse.AgentFramework.Tests.Infrastructure;

/// <summary>Watches a streaming run to its end, collecting its string outputs, checkpoints and errors.</summary>
internal static class WorkflowRuns
{
    public static async Task<RunOutcome> WatchAsync(StreamingRun run, CancellationToken ct)
    {
        var outputs = new List<string>();
        var checkpoints = new List<CheckpointInfo>();
        var errors = new List<Exception>();
        await foreach (var evt in run.WatchStreamAsync(ct))
        {
            switch (evt)
            {
                case WorkflowOutputEvent output when output.Is<string>(out var text):
                    outputs.Add(text!);
                    break;
                case SuperStepCompletedEvent { CompletionInfo.Checkpoint: { } checkpoint }:
                    checkpoints.Add(checkpoint);
                    break;
                case WorkflowErrorEvent error:
                    errors.Add(error.Exception ?? new InvalidOperationException("workflow error without exception"));
                    break;
                case ExecutorFailedEvent failed:
                    errors.Add(failed.Data as Exception ?? new InvalidOperationException($"executor failed: {failed.Data}"));
                    break;
            }
        }

        return new RunOutcome(outputs, checkpoints, errors);
    }
}
