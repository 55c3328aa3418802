using Statehouse.Cli.Output;
using Statehouse.Cli.Values;
using Statehouse.Client;

namespace Statehouse.Cli.Dumps;

/// <summary>
/// Writes a JSON-lines dump (<c>dump --format jsonl</c>): the header, then every live record of the given agent, or of
/// every agent of the namespace (<see cref="StatehouseClient.ListAgentsAsync"/>), agent by agent in the order of their
/// ids, each agent's keys in key order. Streams: holds one page at a time.
/// </summary>
internal static class DumpWriter
{
    /// <summary>Writes the dump to <paramref name="output"/>; returns how many agents and records it holds.</summary>
    public static async Task<(int Agents, long Records)> WriteAsync(
        StatehouseClient client, string @namespace, string? agent, CliOutput output, bool flushEachLine, Action<string> report, CancellationToken ct)
    {
        var health = await client.HealthAsync(ct).ConfigureAwait(false);
        output.WriteJsonLine(new DumpHeader(@namespace, health.LastCommitTs).ToJson(), flushEachLine);
        var agents = 0;
        long records = 0;
        var agentIds = agent is null ? client.ListAgentsAsync(@namespace: @namespace, ct: ct) : One(agent);
        await foreach (var agentId in agentIds.ConfigureAwait(false))
        {
            agents++;
            await foreach (var entry in client.ScanPrefixAsync<Undecoded>(agentId, "", @namespace: @namespace, ct: ct).ConfigureAwait(false))
            {
                var state = entry.State;
                output.WriteJsonLine(new DumpRecord(agentId, entry.Key, state.Version, state.CommitTs, state.RawValue!.Value.ToArray()).ToJson(), flushEachLine);
                if (++records % 500 == 0)
                {
                    report($"dumping namespace '{@namespace}': {agents} agents, {records} records");
                }
            }
        }

        return (agents, records);
    }

    private static async IAsyncEnumerable<string> One(string agent)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        yield return agent;
    }
}
