using System.Globalization;
using Statehouse.Client;

namespace Statehouse.Examples.AgentWorkflow;

/// <summary>
/// Records every step an executor runs, twice: a line on the output (<c>  step 2/6 research: …</c>) and a write of
/// key <c>step:NN</c> of Statehouse agent <see cref="AgentId"/> (one transaction per run, no version check), so the
/// key's version is the number of times that step ran — 1 when no step was redone. It also remembers the last step
/// this process ran, which <see cref="WorkflowRun"/> matches against <c>--crash-at-step</c>.
/// </summary>
internal sealed class StepJournal(StatehouseClient client, string sessionId, TextWriter output)
{
    public const string StepPrefix = "step:";

    private int _lastStep;

    /// <summary>The agent holding the session's step records: <c>workflow-steps:</c> + session id.</summary>
    public string AgentId { get; } = AgentIdOf(sessionId);

    /// <summary>The step this process ran last; 0 before any.</summary>
    public int LastStep => Volatile.Read(ref _lastStep);

    public static string AgentIdOf(string sessionId) => "workflow-steps:" + sessionId;

    /// <summary><c>step:01</c> … <c>step:99</c>: zero-padded so a key listing is in step order.</summary>
    public static string KeyOf(int step) => StepPrefix + step.ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>Prints and stores one run of <paramref name="step"/>; returns once Statehouse committed it.</summary>
    public async Task RecordAsync(int step, int stepCount, string executor, string summary, string result, CancellationToken ct)
    {
        await output.WriteLineAsync($"  step {step}/{stepCount} {executor,-8} {summary}");
        await using var tx = client.BeginTransaction();
        tx.Write(AgentId, KeyOf(step), new StepRun(step, executor, result, Environment.ProcessId));
        await tx.CommitAsync(ct);
        Volatile.Write(ref _lastStep, step);
    }
}
