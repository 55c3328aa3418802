using System.CommandLine;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;

namespace Statehouse.Cli.Commands;

/// <summary><c>keys AGENT [--prefix P]</c>: every existing key of the agent, in order, read page after page.</summary>
internal static class KeysCommand
{
    /// <summary>Keys per request: keys are small, so large pages (the worker caps them at its Reads:MaxPageSize).</summary>
    private const int PageSize = 1000;

    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();

        // Named like statehousectl's option; the queue prefix then goes before the command or as --queue-prefix.
        var prefix = new Option<string>("--prefix")
        {
            Description = "Only keys starting with this prefix (the queue prefix: --queue-prefix, or --prefix before the command)",
            HelpName = "P",
            DefaultValueFactory = _ => "",
        };
        var minCommitTs = Arguments.MinCommitTs();
        var command = new Command("keys", "List the agent's keys (existing records only, lexicographic order, all pages)") { agent, prefix, minCommitTs };
        globals.Omit(command, globals.QueuePrefix);
        command.Options.Add(globals.QueuePrefixOnly);
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetRequiredValue(agent);
            var keyPrefix = parse.GetValue(prefix) ?? "";
            var client = await context.ClientAsync(ct, parse.GetValue(minCommitTs)).ConfigureAwait(false);
            var keys = await context.Output.WithProgressAsync($"reading keys of agent '{agentId}'", async report =>
            {
                var all = new List<string>();
                await foreach (var key in client.ListKeysAsync(agentId, keyPrefix, PageSize, ct: ct).ConfigureAwait(false))
                {
                    all.Add(key);
                    if (all.Count % 500 == 0)
                    {
                        report($"reading keys of agent '{agentId}': {all.Count}");
                    }
                }

                return all;
            }).ConfigureAwait(false);

            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonArray(keys.Select(k => (JsonNode)JsonValue.Create(k)).ToArray()));
            }
            else
            {
                var table = Tables.Create("KEY");
                foreach (var key in keys)
                {
                    table.Row(key);
                }

                context.Output.Write(table);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
