using System.Text.Json;
using System.Text.RegularExpressions;
using Statehouse.Contracts;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Online backups: a RocksDB checkpoint of the live store (hard links where the filesystem allows, so it is quick),
/// taken while commits continue, consistent at one commit_ts which is recorded beside it in
/// <c>statehouse-backup.json</c>. Restoring is starting a worker with <c>Statehouse:Storage:Path</c> set to a copy of it.
/// </summary>
internal sealed partial class BackupService(StateStore store, BackupOptions options, TimeProvider time)
{
    public const string ManifestFileName = "statehouse-backup.json";

    /// <summary>Takes a backup named <paramref name="name"/> (or a timestamped name). The caller holds a read lease.</summary>
    public BackupInfo Create(string? name)
    {
        var now = time.GetUtcNow();
        name = string.IsNullOrEmpty(name) ? $"backup-{now:yyyyMMdd'T'HHmmssfff'Z'}" : name;
        if (!SafeName().IsMatch(name))
        {
            throw new ArgumentException($"backup name '{name}' must be 1-100 characters of A-Z a-z 0-9 . _ - (it names a directory under the backup directory)");
        }

        var root = Path.GetFullPath(options.Directory);
        Directory.CreateDirectory(root);
        var target = Path.Combine(root, name);
        if (Directory.Exists(target) || File.Exists(target))
        {
            throw new ArgumentException($"a backup named '{name}' already exists in {root}");
        }

        store.Checkpoint(target);
        var commitTs = StoreMeta.ReadLastCommitTs(target);
        var info = new BackupInfo(target, commitTs, now.ToUnixTimeMilliseconds(),
            new DirectoryInfo(target).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length));
        var manifest = new Dictionary<string, object>
        {
            ["commit_ts"] = commitTs,
            ["created_at"] = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["source"] = store.Path,
            ["storage_schema_version"] = StorageFormat.SchemaVersion,
        };
        File.WriteAllText(Path.Combine(target, ManifestFileName), JsonSerializer.Serialize(manifest));
        return info;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex SafeName();
}
