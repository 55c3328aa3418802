using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Hosting;

/// <summary>
/// Every worker setting, bound from the <c>Statehouse</c> configuration section: one property per sub-section, whose
/// name is the key (<c>Statehouse:Commit</c> → <see cref="Commit"/>). Each sub-section's class sits in the feature folder
/// it configures; the container also hands each one out on its own (<see cref="CommitWorkerHostingExtensions"/>).
/// </summary>
internal sealed class StatehouseOptions
{
    public const string SectionName = "Statehouse";

    [Required, ValidateObjectMembers]
    public BrokerOptions Broker { get; set; } = new();

    [Required, ValidateObjectMembers]
    public StorageOptions Storage { get; set; } = new();

    [Required, ValidateObjectMembers]
    public CommitOptions Commit { get; set; } = new();

    [Required, ValidateObjectMembers]
    public LimitOptions Limits { get; set; } = new();

    [Required, ValidateObjectMembers]
    public ReadServiceOptions Reads { get; set; } = new();

    [Required, ValidateObjectMembers]
    public AuthorizationOptions Authorization { get; set; } = new();

    [Required, ValidateObjectMembers]
    public BackupOptions Backup { get; set; } = new();

    [Required, ValidateObjectMembers]
    public HttpOptions Http { get; set; } = new();
}
