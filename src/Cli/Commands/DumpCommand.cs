using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Statehouse.Cli.Dumps;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>dump [AGENT] [-o FILE] [--format json|text|jsonl]</c>: every current record of the agent with its value and
/// version; without AGENT, of every agent of the namespace, as JSON lines (the form <c>import</c> reads).
/// Pages are read one after another: a dump taken while commits run is not one point in time (a backup is).
/// </summary>
internal static class DumpCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.NonEmpty(new Argument<string>("AGENT")
        {
            Description = "The agent id (default: every agent of the namespace, as JSON lines)",
            Arity = ArgumentArity.ZeroOrOne,
        });
        var file = new Option<FileInfo>("--output", "-o") { Description = "Write the dump to FILE instead of stdout", HelpName = "FILE" };
        var format = new Option<string>("--format")
        {
            Description = "json, text or jsonl (default: jsonl without AGENT; else from the -o file's extension, .json, .txt or .jsonl; else json with --json, else text)",
            HelpName = "FORMAT",
        };
        format.AcceptOnlyFromAmong("json", "text", "jsonl");
        var minCommitTs = Arguments.MinCommitTs();
        var command = new Command("dump", "Dump every current record of the agent, or of the namespace as JSON lines (key, version, commit_ts, value)") { agent, file, format, minCommitTs };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetValue(agent);
            var target = parse.GetValue(file);
            var chosen = parse.GetValue(format) ?? FormatOf(target) ?? (agentId is null ? "jsonl" : context.Output.Json ? "json" : "text");
            if (chosen == "jsonl")
            {
                return await WriteLinesAsync(context, agentId, target, parse.GetValue(minCommitTs), ct).ConfigureAwait(false);
            }

            if (agentId is null)
            {
                throw CliException.Usage($"A dump of every agent is JSON lines (--format jsonl); give AGENT for --format {chosen}.");
            }

            var asJson = chosen == "json";
            var entries = await ScanCommand.ReadAllAsync(context, agentId, "", parse.GetValue(minCommitTs), ct).ConfigureAwait(false);
            var document = new JsonObject
            {
                ["namespace"] = context.Namespace,
                ["agent"] = agentId,
                ["records"] = new JsonArray(entries.Select(e => (JsonNode)Views.RecordJson(e.Key, e.State)).ToArray()),
            };

            return await EmitAsync(context, target, output =>
            {
                Write(output, document, entries, asJson);
                return Task.FromResult((new JsonObject { ["records"] = entries.Count }, $"wrote {entries.Count} records of agent '{agentId}'"));
            }, agentId).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The format a file's extension names (<c>.json</c>, <c>.txt</c>); null for any other.</summary>
    private static string? FormatOf(FileInfo? file) => file?.Extension.ToLowerInvariant() switch
    {
        ".json" => "json",
        ".txt" or ".text" => "text",
        ".jsonl" or ".ndjson" => "jsonl",
        _ => null,
    };

    /// <summary>The JSON-lines form (<see cref="DumpWriter"/>), to stdout or to <paramref name="target"/>.</summary>
    private static async Task<int> WriteLinesAsync(CliContext context, string? agentId, FileInfo? target, long? minCommitTs, CancellationToken ct)
    {
        var client = await context.ClientAsync(ct, minCommitTs).ConfigureAwait(false);
        var what = agentId is null ? $"namespace '{context.Namespace}'" : $"agent '{agentId}'";
        return await EmitAsync(context, target, async output =>
        {
            var (agents, records) = await context.Output.WithProgressAsync($"dumping {what}", report =>
                DumpWriter.WriteAsync(client, context.Namespace, agentId, output, flushEachLine: target is null, report, ct)).ConfigureAwait(false);
            return (new JsonObject { ["agents"] = agents, ["records"] = records },
                $"wrote {records} records of {(agentId is null ? $"{agents} agents of " : "")}{what}");
        }, agentId).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="write"/> on stdout, or on <paramref name="target"/> and then reports it: the summary's fields
    /// with namespace, agent and file as JSON under <c>--json</c>, else its note and the file on stderr.
    /// </summary>
    private static async Task<int> EmitAsync(
        CliContext context, FileInfo? target, Func<CliOutput, Task<(JsonObject Fields, string Note)>> write, string? agentId)
    {
        if (target is null)
        {
            await write(context.Output).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        (JsonObject Fields, string Note) summary;
        try
        {
            await using var writer = new StreamWriter(target.FullName, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            summary = await write(context.Output.To(writer)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"Cannot write {target.FullName}: {e.Message}");
        }

        if (context.Output.Json)
        {
            var fields = new JsonObject { ["namespace"] = context.Namespace, ["agent"] = agentId, ["file"] = target.FullName };
            foreach (var (name, value) in summary.Fields.ToList())
            {
                summary.Fields.Remove(name);
                fields[name] = value;
            }

            context.Output.WriteJson(fields);
        }
        else
        {
            context.Output.Note($"{summary.Note} to {target.FullName}");
        }

        return ExitCodes.Ok;
    }

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
