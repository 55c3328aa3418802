using System.CommandLine;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;
using Statehouse.Cli.Values;
using Statehouse.Client;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>get AGENT KEY [--version N | --as-of TS] [--min-commit-ts TS]</c>: one record, now or in the past; exit code 1 when
/// it does not exist.
/// </summary>
internal static class GetCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();
        var key = Arguments.Key();
        var version = Arguments.AtLeast("--version", 1, "Read the record as it was at this version", "N");
        var asOf = Arguments.AtLeast("--as-of", 0, "Read the record as it was right after the transaction with this commit_ts (at most the last commit_ts; beyond it exit code 4)", "TS");
        var minCommitTs = Arguments.MinCommitTs();
        var command = new Command("get", "Show one record: value (as JSON), version and commit_ts") { agent, key, version, asOf, minCommitTs };
        Arguments.Exclusive(command, version, asOf);

        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetRequiredValue(agent);
            var keyName = parse.GetRequiredValue(key);
            var client = await context.ClientAsync(ct, parse.GetValue(minCommitTs)).ConfigureAwait(false);
            var state = (parse.GetValue(version), parse.GetValue(asOf)) switch
            {
                ({ } v, _) => await client.GetStateAtVersionAsync<Undecoded>(agentId, keyName, v, ct: ct).ConfigureAwait(false),
                (_, { } ts) => await client.GetStateAsOfAsync<Undecoded>(agentId, keyName, ts, ct: ct).ConfigureAwait(false),
                _ => await client.GetStateAsync<Undecoded>(agentId, keyName, ct: ct).ConfigureAwait(false),
            };

            Write(context, agentId, state);
            if (state.Exists)
            {
                return ExitCodes.Ok;
            }

            if (!context.Output.Json)
            {
                context.Output.Note(Missing(context, agentId, state));
            }

            return ExitCodes.NotFound;
        });
        return command;
    }

    private static void Write(CliContext context, string agentId, StateResult<Undecoded> state)
    {
        if (!state.Exists && !context.Output.Json)
        {
            return;
        }

        var fields = Views.RecordJson(state.Key, state);
        fields.Insert(0, "namespace", context.Namespace);
        fields.Insert(1, "agent", agentId);
        if (!context.Output.Json)
        {
            // Shown as compact JSON, as scan, dump, tail and replay show values: "hello" quoted, null as null.
            fields["value"] = JsonValues.ToText(state.RawValue);
        }

        context.Output.WriteObject(fields);
    }

    private static string Missing(CliContext context, string agentId, StateResult<Undecoded> state)
    {
        var record = $"'{state.Key}' of agent '{agentId}' in namespace '{context.Namespace}'";
        return state.Version == 0
            ? $"not found: {record} does not exist"
            : $"not found: {record} is deleted (version {Views.Number(state.Version)}, commit_ts {Views.Number(state.CommitTs)})";
    }
}
