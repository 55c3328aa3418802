using System.ComponentModel.DataAnnotations;

namespace Statehouse.Worker.Storage;

/// <summary>
/// How much history one namespace keeps (docs/configuration.md, <c>Statehouse:History:Retention</c>). Both rules are
/// optional; with neither, everything is kept. With both, a version goes when either rule lets it go. A record's latest
/// version (also a tombstone) is never pruned.
/// </summary>
internal sealed class HistoryRetention
{
    /// <summary>
    /// N: versions kept per record, the latest included (1 = only the latest; 10 = the latest and the 9 before it).
    /// Older versions are pruned. Null: no limit by count.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? KeepVersions { get; set; }

    /// <summary>
    /// T: versions and log entries committed within T before now are kept (by the commit time in the log), and so is each
    /// record's version that was current at the first commit within T; versions replaced before it are pruned, and so are
    /// older log entries. Null: no limit by age.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "36500.00:00:00")]
    public TimeSpan? KeepNewerThan { get; set; }

    /// <summary>True when the rule prunes anything (either limit set).</summary>
    public bool Prunes => KeepVersions is not null || KeepNewerThan is not null;
}
