using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>backup [NAME]</c>: asks the worker for an online backup (a consistent checkpoint of its store, taken while
/// commits continue) under its <c>Statehouse:Backup:Directory</c>, and prints where it is and its commit_ts.
/// </summary>
internal static class BackupCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var name = new Argument<string?>("NAME") { Description = "Name of the backup directory (default: backup-<UTC time>)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("backup", "Take an online backup on the worker: a consistent checkpoint of the whole store at one commit_ts") { name };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            var backup = await client.BackupAsync(parse.GetValue(name), ct).ConfigureAwait(false);
            context.Output.WriteObject(new JsonObject
            {
                ["path"] = backup.Path,
                ["commit_ts"] = backup.CommitTs,
                ["size_bytes"] = backup.SizeBytes,
                ["created_at"] = DateTimeOffset.FromUnixTimeMilliseconds(backup.CreatedAtUnixMs).ToString("O", CultureInfo.InvariantCulture),
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
