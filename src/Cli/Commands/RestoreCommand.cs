using System.CommandLine;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>restore BACKUP DATA</c>: copies a backup directory (made by <c>backup</c>) into a new, empty data directory,
/// on this machine. A worker started with <c>--Statehouse:Storage:Path=DATA</c> then serves exactly the state as of
/// the backup's commit_ts. Never writes into a directory that holds anything.
/// </summary>
internal static class RestoreCommand
{
    private const string Manifest = "statehouse-backup.json";
    private const string AcknowledgedWatermark = "STATEHOUSE-ACKED";

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
            if (!File.Exists(Path.Combine(source, Manifest)) || !File.Exists(Path.Combine(source, "CURRENT")))
            {
                throw CliException.Usage($"'{source}' is not a Statehouse backup (no {Manifest} or CURRENT file).");
            }

            if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            {
                throw CliException.Usage($"'{target}' is not empty; restore only into a new or empty directory.");
            }

            Directory.CreateDirectory(target);
            foreach (var file in Directory.EnumerateFiles(source))
            {
                // The acknowledged watermark belongs to the store it was written in: carried into a restored (older)
                // store it would make the worker refuse it. A checkpoint never holds it; a hand-made copy might.
                if (Path.GetFileName(file) is not (Manifest or AcknowledgedWatermark))
                {
                    File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
                }
            }

            var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(source, Manifest)));
            context.Output.WriteObject(new JsonObject
            {
                ["restored_to"] = target,
                ["commit_ts"] = manifest?["commit_ts"]?.GetValue<long>(),
                ["start_worker_with"] = $"--Statehouse:Storage:Path={target}",
            });
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
