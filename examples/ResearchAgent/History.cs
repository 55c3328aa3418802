using Statehouse.Client;
using Statehouse.Contracts;
using Statehouse.Examples.ResearchAgent.State;

namespace Statehouse.Examples.ResearchAgent;

/// <summary>Prints a run's history as Statehouse replays it, and checks that every step was committed exactly once, in order.</summary>
internal static class History
{
    /// <returns>Whether the replay holds the plan once and then steps 1..<paramref name="stepCount"/>, each exactly once.</returns>
    public static async Task<bool> PrintAsync(StatehouseClient client, string agent, int stepCount, TextWriter output)
    {
        await output.WriteLineAsync($"History of '{agent}', replayed from Statehouse:");
        await output.WriteLineAsync($"  {"commit_ts",-10} {"txn_id",-32}  keys written (version)");
        var transactions = 0;
        var plans = 0;
        var steps = new List<int>();
        await foreach (var replayed in client.ReplayAsync(agent))
        {
            transactions++;
            var written = replayed.Operations.Where(o => o.Kind == OperationKind.Write).ToList();
            plans += written.Count(o => o.Key == AgentKeys.Plan);
            steps.AddRange(written
                .Where(o => o.Key.StartsWith(AgentKeys.StepPrefix, StringComparison.Ordinal))
                .Select(o => int.Parse(o.Key.AsSpan(AgentKeys.StepPrefix.Length), System.Globalization.CultureInfo.InvariantCulture)));
            var keys = string.Join(", ", replayed.Operations.Select(o => $"{o.Key} v{o.Version}"));
            await output.WriteLineAsync($"  {replayed.CommitTs,-10} {replayed.TxnId,-32}  {keys}");
        }

        var exactlyOnce = plans == 1 && steps.SequenceEqual(Enumerable.Range(1, stepCount));
        await output.WriteLineAsync(exactlyOnce
            ? $"Every step was committed exactly once, in order: {transactions} transactions = the plan + {stepCount} steps."
            : $"Unexpected history: plan written {plans} time(s), steps in commit order [{string.Join(", ", steps)}], expected 1..{stepCount} once each.");
        return exactlyOnce;
    }
}
