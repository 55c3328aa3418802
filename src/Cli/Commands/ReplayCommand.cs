using System.CommandLine;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;
using Statehouse.Client;

namespace Statehouse.Cli.Commands;

/// <summary><c>replay AGENT [--start-ts] [--end-ts] [--limit] [--verbose]</c>: the agent's history in commit order.</summary>
internal static class ReplayCommand
{
    /// <summary>Transactions per request (the worker caps it at its Reads:MaxPageSize).</summary>
    private const int PageSize = 500;

    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();
        var start = Arguments.AtLeast("--start-ts", 0, "First commit_ts (inclusive; default: the beginning)", "TS");
        var end = Arguments.AtLeast("--end-ts", 0, "Last commit_ts (inclusive; default: the latest)", "TS");
        var limit = Arguments.AtLeast("--limit", 1, "Show at most N transactions", "N");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "One row per operation, with the written values" };
        var minCommitTs = Arguments.MinCommitTs();
        var command = new Command("replay", "Replay the agent's history: every transaction that touched it, in commit order, with only its operations")
        {
            agent, start, end, limit, verbose, minCommitTs,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(start) is > 0 and var from && result.GetValue(end) is > 0 and var to && from > to)
            {
                result.AddError($"--start-ts ({from}) is after --end-ts ({to}).");
            }
        });

        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetRequiredValue(agent);
            var max = parse.GetValue(limit) ?? long.MaxValue;
            var client = await context.ClientAsync(ct, parse.GetValue(minCommitTs)).ConfigureAwait(false);
            var events = await context.Output.WithProgressAsync($"replaying agent '{agentId}'", async report =>
            {
                var all = new List<ReplayEvent>();
                var pageSize = (int)Math.Min(max, PageSize);
                await foreach (var replayed in client.ReplayAsync(agentId, parse.GetValue(start) ?? 0, parse.GetValue(end) ?? 0, pageSize, ct: ct).ConfigureAwait(false))
                {
                    all.Add(replayed);
                    if (all.Count >= max)
                    {
                        break;
                    }

                    if (all.Count % 200 == 0)
                    {
                        report($"replaying agent '{agentId}': {all.Count} transactions, at commit_ts {replayed.CommitTs}");
                    }
                }

                return all;
            }).ConfigureAwait(false);

            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonArray(events.Select(e => (JsonNode)Views.EventJson(e)).ToArray()));
            }
            else
            {
                context.Output.Write(Views.EventsTable(events, parse.GetValue(verbose)));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
