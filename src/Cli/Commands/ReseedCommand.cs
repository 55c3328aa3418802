using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Stores;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>reseed --store PATH [--from-backup DIR]</c>: the repair of a replica's store that diverged from the replication
/// log, that the log no longer reaches, or whose files were found damaged (docs/operations.md, "Re-seed a replica").
/// Refuses while a worker holds the store (<see cref="StoreLock"/>, exit code 5). Moves PATH aside to
/// <c>PATH.diverged-&lt;UTC yyyyMMddTHHmmssZ&gt;</c>, deleting nothing, and with <c>--from-backup</c> copies that backup
/// into PATH as <c>restore</c> does; a worker started on PATH with replication on then catches up from the log.
/// </summary>
internal static class ReseedCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var store = new Option<string>("--store")
        {
            Description = "The worker's store directory (its Statehouse:Storage:Path) to move aside",
            HelpName = "PATH",
            Required = true,
        };
        var fromBackup = new Option<string>("--from-backup")
        {
            Description = "A backup written by 'statehouse backup' to restore in its place (default: none, the worker starts empty)",
            HelpName = "DIR",
        };
        var command = new Command("reseed", "Move a diverged or damaged store aside (deleting nothing), optionally restore a backup in its place; the worker then catches up from the replication log")
        {
            store, fromBackup,
        };
        globals.Omit(command, globals.Broker);
        command.SetBody(globals, (context, parse, _) =>
        {
            var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(parse.GetRequiredValue(store)));
            var backup = parse.GetValue(fromBackup) is { } given ? Path.GetFullPath(given) : null;
            RequireStore(path);
            if (backup is not null)
            {
                BackupCheckpoint.Require(backup);
            }

            var aside = $"{path}.diverged-{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
            if (Path.Exists(aside))
            {
                throw CliException.Usage($"'{aside}' exists already (a re-seed within the same second); run this again. Nothing was changed.");
            }

            // Held while the directory moves, so that no worker opens the store in between.
            using (StoreLock.Take(path))
            {
                Directory.Move(path, aside);
            }

            var commitTs = backup is null ? null : BackupCheckpoint.CopyInto(backup, path);
            context.Output.WriteObject(new JsonObject
            {
                ["store"] = path,
                ["moved_to"] = aside,
                ["restored_from"] = backup,
                ["commit_ts"] = commitTs,
                ["next"] = $"start the worker with --Statehouse:Storage:Path={path} and Statehouse:Replication:Enabled=true; it catches up from the log",
            });
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>Throws a usage <see cref="CliException"/> unless <paramref name="path"/> is a directory holding a RocksDB store.</summary>
    private static void RequireStore(string path)
    {
        if (!Directory.Exists(path))
        {
            throw CliException.Usage($"'{path}' does not exist: there is no store to move aside. A worker started there with replication on builds it from the log.");
        }

        // A damaged store may lack CURRENT, never LOCK: RocksDB creates it before anything else.
        if (!File.Exists(Path.Combine(path, "CURRENT")) && !File.Exists(Path.Combine(path, "LOCK")))
        {
            throw CliException.Usage($"'{path}' holds no store (no RocksDB CURRENT or LOCK file); nothing was changed.");
        }
    }
}
