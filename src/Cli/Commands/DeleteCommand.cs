using System.CommandLine;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>delete AGENT KEY</c>: deletes one record (a tombstone, a new version: its history stays). As the client's
/// <c>Delete</c>, a key that does not exist gets a tombstone too (version 1 if it was never written);
/// <c>--expect-version N</c> deletes only a record at version N.
/// </summary>
internal static class DeleteCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();
        var key = Arguments.Key();
        var txnId = Arguments.TxnId();
        var expect = Arguments.AtLeast("--expect-version", 1, "Delete only if the record is at this version; else exit code 4", "N");
        var command = new Command("delete", "Delete one record (one transaction): a tombstone, also for a key that does not exist; prints commit_ts and the tombstone's version") { agent, key, expect, txnId };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetRequiredValue(agent);
            var keyName = parse.GetRequiredValue(key);
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            await using var tx = client.BeginTransaction(txnId: parse.GetValue(txnId));
            if (parse.GetValue(expect) is { } expected)
            {
                tx.ExpectVersion(agentId, keyName, expected);
            }

            tx.Delete(agentId, keyName);
            var result = await tx.CommitAsync(ct).ConfigureAwait(false);
            Views.WriteCommit(context.Output, tx.Namespace, result);
            return ExitCodes.Ok;
        });
        return command;
    }
}
