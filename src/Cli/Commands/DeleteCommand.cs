using System.CommandLine;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;
using Statehouse.Cli.Values;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>delete AGENT KEY</c>: deletes one record (a tombstone: its history stays). A key that does not exist is not
/// deleted again (exit code 1), unless <c>--expect-version</c> hands the check to the worker.
/// </summary>
internal static class DeleteCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();
        var key = Arguments.Key();
        var expect = Arguments.AtLeast("--expect-version", 1, "Delete only if the record is at this version; else exit code 4", "N");
        var command = new Command("delete", "Delete one record (one transaction); prints commit_ts and the tombstone's version") { agent, key, expect };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetRequiredValue(agent);
            var keyName = parse.GetRequiredValue(key);
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            await using var tx = client.BeginTransaction();
            if (parse.GetValue(expect) is { } expected)
            {
                tx.ExpectVersion(agentId, keyName, expected);
            }
            else
            {
                // Deleting a missing key would write a tombstone: a new version of nothing. Refuse it instead.
                var current = await client.GetStateAsync<Undecoded>(agentId, keyName, ct: ct).ConfigureAwait(false);
                if (!current.Exists)
                {
                    throw CliException.NotFound($"'{keyName}' of agent '{agentId}' in namespace '{tx.Namespace}' does not exist; nothing deleted.");
                }
            }

            tx.Delete(agentId, keyName);
            var result = await tx.CommitAsync(ct).ConfigureAwait(false);
            Views.WriteCommit(context.Output, tx.Namespace, result);
            return ExitCodes.Ok;
        });
        return command;
    }
}
