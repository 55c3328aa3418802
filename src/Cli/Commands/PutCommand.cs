using System.CommandLine;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;
using Statehouse.Cli.Values;

namespace Statehouse.Cli.Commands;

/// <summary><c>put AGENT KEY JSON</c>: writes one record in a transaction of its own.</summary>
internal static class PutCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();
        var key = Arguments.Key();
        var value = new Argument<string>("JSON") { Description = "The value as JSON (any JSON value; - reads it from stdin); stored as MessagePack" };
        var txnId = Arguments.TxnId();
        var expect = Arguments.AtLeast("--expect-version", 0, "Write only if the record is at this version (0: must not exist); else exit code 4", "N");
        var command = new Command("put", "Write one record (one transaction); prints commit_ts and the new version") { agent, key, value, expect, txnId };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetRequiredValue(agent);
            var keyName = parse.GetRequiredValue(key);
            var json = parse.GetRequiredValue(value);
            if (json == "-")
            {
                json = await Console.In.ReadToEndAsync(ct).ConfigureAwait(false);
            }

            var bytes = JsonValues.FromJson(json, "The value");
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            await using var tx = client.BeginTransaction(txnId: parse.GetValue(txnId));
            if (parse.GetValue(expect) is { } expected)
            {
                tx.ExpectVersion(agentId, keyName, expected);
            }

            tx.WriteRaw(agentId, keyName, bytes);
            var result = await tx.CommitAsync(ct).ConfigureAwait(false);
            Views.WriteCommit(context.Output, tx.Namespace, result);
            return ExitCodes.Ok;
        });
        return command;
    }
}
