using Statehouse.AgentFramework.Checkpointing;
using Statehouse.Client;
using Statehouse.Contracts;

namespace Statehouse.Examples.AgentWorkflow;

/// <summary>
/// Prints a session's checkpoint history as Statehouse replays it — one transaction per checkpoint, in commit order,
/// with sequence, commit_ts, checkpoint id and parent — and the step runs recorded by <see cref="StepJournal"/>, and
/// checks that the chain is linear: checkpoint k+1's parent is checkpoint k, and nothing else was saved.
/// </summary>
internal static class CheckpointHistory
{
    /// <summary>Key prefix of a checkpoint record in the session's agent (the layout documented on <see cref="StatehouseCheckpointStore"/>).</summary>
    public const string CheckpointKeyPrefix = "checkpoints/";

    /// <returns>Whether the session's checkpoints form one linear chain.</returns>
    public static async Task<bool> PrintAsync(StatehouseClient client, StatehouseCheckpointStore store, string sessionId, TextWriter output)
    {
        var agentId = store.AgentIdFor(sessionId);
        await output.WriteLineAsync($"Checkpoint history of session {sessionId} (agent '{agentId}'), replayed from Statehouse:");
        await output.WriteLineAsync($"  {"seq",3} {"commit_ts",-10} {"checkpoint",-32}  parent");
        var chain = new List<StatehouseCheckpointRecord>();
        await foreach (var replayed in client.ReplayAsync(agentId))
        {
            foreach (var operation in replayed.Operations.Where(o => o.Kind == OperationKind.Write && o.Key.StartsWith(CheckpointKeyPrefix, StringComparison.Ordinal)))
            {
                var record = operation.As<StatehouseCheckpointRecord>()
                    ?? throw new InvalidOperationException($"'{operation.Key}' of agent '{agentId}' holds no checkpoint record.");
                chain.Add(record);
                await output.WriteLineAsync($"  {record.Sequence,3} {replayed.CommitTs,-10} {record.CheckpointId,-32}  {record.ParentCheckpointId ?? "-"}");
            }
        }

        var linear = chain.Count > 0 && chain.Select((record, i) =>
            record.Sequence == i + 1 && record.ParentCheckpointId == (i == 0 ? null : chain[i - 1].CheckpointId)).All(ok => ok);
        await output.WriteLineAsync(linear
            ? $"{chain.Count} checkpoints, one linear chain: each one's parent is the one before."
            : $"NOT LINEAR: {chain.Count} checkpoint records whose sequence and parents do not form one chain.");

        var runs = new List<string>();
        await foreach (var entry in client.ScanPrefixAsync<StepRun>(StepJournal.AgentIdOf(sessionId), StepJournal.StepPrefix))
        {
            runs.Add($"{entry.State.Value?.Step} {entry.State.Value?.Executor} x{entry.State.Version}");
        }

        await output.WriteLineAsync($"Step runs (version of each step:NN of agent '{StepJournal.AgentIdOf(sessionId)}'): {string.Join(", ", runs)}");
        return linear;
    }
}
