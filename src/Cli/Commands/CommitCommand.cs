using System.CommandLine;
using System.Text;
using Statehouse.Cli.Commits;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;
using Statehouse.Contracts;

namespace Statehouse.Cli.Commands;

/// <summary><c>commit FILE|-</c>: the operations of a JSON commit file, committed as one transaction.</summary>
internal static class CommitCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var file = new Argument<string>("FILE") { Description = "The JSON commit file, or - for stdin (format: docs/cli.md)" };
        var txnId = Arguments.TxnId();
        var command = new Command("commit", "Commit the operations of a JSON file as one transaction; prints commit_ts and versions") { file, txnId };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var commitFile = CommitFile.Parse(await ReadAsync(parse.GetRequiredValue(file), ct).ConfigureAwait(false));
            var id = parse.GetValue(txnId);
            if (id is not null && commitFile.TxnId is not null && id != commitFile.TxnId)
            {
                throw CliException.Usage($"--txn-id {id} differs from the commit file's \"txn_id\" {commitFile.TxnId}; give one of them.");
            }

            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            await using var tx = client.BeginTransaction(commitFile.Namespace ?? context.Namespace, id ?? commitFile.TxnId);
            foreach (var operation in commitFile.Operations)
            {
                _ = operation.Kind switch
                {
                    OperationKind.Write => tx.WriteRaw(operation.Agent, operation.Key, operation.Value),
                    OperationKind.Delete => tx.Delete(operation.Agent, operation.Key),
                    _ => tx.ExpectVersion(operation.Agent, operation.Key, operation.Version),
                };
            }

            var result = await tx.CommitAsync(ct).ConfigureAwait(false);
            Views.WriteCommit(context.Output, tx.Namespace, result);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<string> ReadAsync(string path, CancellationToken ct)
    {
        if (path == "-")
        {
            return await Console.In.ReadToEndAsync(ct).ConfigureAwait(false);
        }

        try
        {
            return await File.ReadAllTextAsync(path, Encoding.UTF8, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"Cannot read the commit file {path}: {e.Message}");
        }
    }
}
