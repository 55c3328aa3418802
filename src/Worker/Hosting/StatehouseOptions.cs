using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Statehouse.Worker.Hosting;

/// <summary>
/// Every worker setting, bound from the <c>Statehouse</c> configuration section: one property per sub-section, whose
/// name is the key (<c>Statehouse:Commit</c> → <see cref="Commit"/>). Each sub-section's class sits in the feature folder
/// it configures, named here by that folder; the container also hands each one out on its own
/// (<see cref="CommitWorkerHostingExtensions"/>).
/// </summary>
internal sealed class StatehouseOptions
{
    public const string SectionName = "Statehouse";

    [Required, ValidateObjectMembers]
    public Messaging.BrokerOptions Broker { get; set; } = new();

    [Required, ValidateObjectMembers]
    public Storage.StorageOptions Storage { get; set; } = new();

    [Required, ValidateObjectMembers]
    public Commit.CommitOptions Commit { get; set; } = new();

    [Required, ValidateObjectMembers]
    public Commit.LimitOptions Limits { get; set; } = new();

    [Required, ValidateObjectMembers]
    public Reads.ReadServiceOptions Reads { get; set; } = new();

    [Required, ValidateObjectMembers]
    public Security.AuthorizationOptions Authorization { get; set; } = new();

    [Required, ValidateObjectMembers]
    public Storage.BackupOptions Backup { get; set; } = new();

    [Required, ValidateObjectMembers]
    public Telemetry.HttpOptions Http { get; set; } = new();

    [Required, ValidateObjectMembers]
    public Replication.ReplicationOptions Replication { get; set; } = new();

    [Required, ValidateObjectMembers]
    public Storage.HistoryOptions History { get; set; } = new();
}
