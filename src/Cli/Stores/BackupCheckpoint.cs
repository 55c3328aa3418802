using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Stores;

/// <summary>
/// A backup directory written by <c>statehouse backup</c> (the worker's RocksDB checkpoint plus
/// <c>statehouse-backup.json</c>, whose <c>commit_ts</c> the store is consistent at), and copying one into a new store
/// directory for a worker to start on (<c>restore</c>, <c>reseed --from-backup</c>).
/// </summary>
internal static class BackupCheckpoint
{
    private const string Manifest = "statehouse-backup.json";
    private const string AcknowledgedWatermark = "STATEHOUSE-ACKED";

    /// <summary>Throws a usage <see cref="CliException"/> unless <paramref name="source"/> is a backup directory.</summary>
    public static void Require(string source)
    {
        if (!File.Exists(Path.Combine(source, Manifest)) || !File.Exists(Path.Combine(source, "CURRENT")))
        {
            throw CliException.Usage($"'{source}' is not a Statehouse backup (no {Manifest} or CURRENT file).");
        }
    }

    /// <summary>
    /// Copies the backup <paramref name="source"/> (checked by <see cref="Require"/>) into <paramref name="target"/>, which
    /// must not exist or be empty (else a usage <see cref="CliException"/> and nothing is written), and returns the
    /// backup's commit_ts (null when its manifest names none).
    /// </summary>
    public static long? CopyInto(string source, string target)
    {
        Require(source);
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
        return manifest?["commit_ts"]?.GetValue<long>();
    }
}
