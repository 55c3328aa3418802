using System.CommandLine;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Stores;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>restore BACKUP DATA</c>: copies a backup directory (made by <c>backup</c>) into a new, empty data directory,
/// on this machine. A worker started with <c>--Statehouse:Storage:Path=DATA</c> then serves exactly the state as of
/// the backup's commit_ts. Never writes into a directory that holds anything.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var backup = new Argument<string>("BACKUP") { Description = "A backup directory written by 'statehouse backup' (on the worker's machine)" };
        var data = new Argument<string>("DATA") { Description = "The new data directory to create (must not exist or be empty)" };
        var command = new Command("restore", "Copy a backup into a new data directory for a worker to start on") { backup, data };
        globals.Omit(command, globals.Broker);
        command.SetBody(globals, (context, parse, _) =>
        {
            var source = Path.GetFullPath(parse.GetRequiredValue(backup));
            var target = Path.GetFullPath(parse.GetRequiredValue(data));
            var commitTs = BackupCheckpoint.CopyInto(source, target);
            context.Output.WriteObject(new JsonObject
            {
                ["restored_to"] = target,
                ["commit_ts"] = commitTs,
                ["start_worker_with"] = $"--Statehouse:Storage:Path={target}",
            });
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
