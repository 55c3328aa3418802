using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>dump AGENT [-o FILE] [--format json|text]</c>: every current record of the agent with its value and version.
/// Pages are read one after another: a dump taken while commits run is not one point in time (a backup is).
/// </summary>
internal static class DumpCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();
        var file = new Option<FileInfo>("--output", "-o") { Description = "Write the dump to FILE instead of stdout", HelpName = "FILE" };
        var format = new Option<string>("--format")
        {
            Description = "json or text (default: from the -o file's extension, .json or .txt; else json with --json, else text)",
            HelpName = "FORMAT",
        };
        format.AcceptOnlyFromAmong("json", "text");
        var minCommitTs = Arguments.MinCommitTs();
        var command = new Command("dump", "Dump every current record of the agent (key, version, commit_ts, value)") { agent, file, format, minCommitTs };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetRequiredValue(agent);
            var target = parse.GetValue(file);
            var asJson = (parse.GetValue(format) ?? FormatOf(target) ?? (context.Output.Json ? "json" : "text")) == "json";
            var entries = await ScanCommand.ReadAllAsync(context, agentId, "", parse.GetValue(minCommitTs), ct).ConfigureAwait(false);
            var document = new JsonObject
            {
                ["namespace"] = context.Namespace,
                ["agent"] = agentId,
                ["records"] = new JsonArray(entries.Select(e => (JsonNode)Views.RecordJson(e.Key, e.State)).ToArray()),
            };

            if (target is null)
            {
                Write(context.Output, document, entries, asJson);
                return ExitCodes.Ok;
            }

            try
            {
                await using var writer = new StreamWriter(target.FullName, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                Write(context.Output.To(writer), document, entries, asJson);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CliException.Usage($"Cannot write {target.FullName}: {e.Message}");
            }

            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonObject
                {
                    ["namespace"] = context.Namespace,
                    ["agent"] = agentId,
                    ["file"] = target.FullName,
                    ["records"] = entries.Count,
                });
            }
            else
            {
                context.Output.Note($"wrote {entries.Count} records of agent '{agentId}' to {target.FullName}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The format a file's extension names (<c>.json</c>, <c>.txt</c>); null for any other.</summary>
    private static string? FormatOf(FileInfo? file) => file?.Extension.ToLowerInvariant() switch
    {
        ".json" => "json",
        ".txt" or ".text" => "text",
        _ => null,
    };

    private static void Write(CliOutput output, JsonObject document, List<Client.ScanEntry<Values.Undecoded>> entries, bool asJson)
    {
        if (asJson)
        {
            output.WriteJson(document);
        }
        else
        {
            output.Write(Views.RecordsTable(entries));
        }
    }
}
