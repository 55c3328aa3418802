using System.ComponentModel.DataAnnotations;

namespace Statehouse.Worker.Storage;

/// <summary>Where online backups go, bound from <c>Statehouse:Backup</c> (docs/configuration.md).</summary>
internal sealed class BackupOptions
{
    /// <summary>Directory under which online backups (RocksDB checkpoints) are written, one sub-directory each.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Directory { get; set; } = "./backups";
}
