using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Bounded history, bound from <c>Statehouse:History</c> (docs/configuration.md): what each namespace keeps, and how
/// often the <see cref="HistoryPruner"/> looks. Default: keep everything (no pruning, no horizon), as before.
/// </summary>
internal sealed class HistoryOptions
{
    [Required, ValidateObjectMembers]
    public HistoryRetentionOptions Retention { get; set; } = new();

    /// <summary>Seconds between pruning passes (the first runs at start).</summary>
    [Range(0.1, 86_400)]
    public double PruneIntervalSeconds { get; set; } = 60;
}
