using System.CommandLine;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;
using Statehouse.Cli.Values;
using Statehouse.Client;

namespace Statehouse.Cli.Commands;

/// <summary><c>scan AGENT PREFIX</c>: the records whose key starts with PREFIX, with values, read page after page.</summary>
internal static class ScanCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();
        var prefix = new Argument<string>("PREFIX") { Description = "Key prefix (\"\" for every key)" };
        var minCommitTs = Arguments.MinCommitTs();
        var command = new Command("scan", "Show the agent's records whose key starts with PREFIX: key, version, commit_ts, value") { agent, prefix, minCommitTs };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetRequiredValue(agent);
            var entries = await ReadAllAsync(context, agentId, parse.GetRequiredValue(prefix), parse.GetValue(minCommitTs), ct).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonArray(entries.Select(e => (JsonNode)Views.RecordJson(e.Key, e.State)).ToArray()));
            }
            else
            {
                context.Output.Write(Views.RecordsTable(entries));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Every record of the agent under <paramref name="prefix"/>, as of at least <paramref name="minCommitTs"/>, with
    /// progress on a terminal (also for <c>dump</c>).
    /// </summary>
    public static async Task<List<ScanEntry<Undecoded>>> ReadAllAsync(CliContext context, string agentId, string prefix, long? minCommitTs, CancellationToken ct)
    {
        var client = await context.ClientAsync(ct, minCommitTs).ConfigureAwait(false);
        return await context.Output.WithProgressAsync($"reading records of agent '{agentId}'", async report =>
        {
            var all = new List<ScanEntry<Undecoded>>();
            await foreach (var entry in client.ScanPrefixAsync<Undecoded>(agentId, prefix, ct: ct).ConfigureAwait(false))
            {
                all.Add(entry);
                if (all.Count % 200 == 0)
                {
                    report($"reading records of agent '{agentId}': {all.Count}");
                }
            }

            return all;
        }).ConfigureAwait(false);
    }
}
