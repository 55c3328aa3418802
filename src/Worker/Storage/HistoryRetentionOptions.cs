namespace Statehouse.Worker.Storage;

/// <summary>
/// <c>Statehouse:History:Retention</c>: the rule of every namespace (<see cref="Default"/>) and the namespaces that have
/// their own (<see cref="Namespaces"/>, <c>Statehouse:History:Retention:Namespaces:&lt;namespace&gt;:KeepVersions</c>).
/// A namespace's own entry replaces the default as a whole: an entry with neither limit keeps everything.
/// </summary>
internal sealed class HistoryRetentionOptions
{
    /// <summary>The rule of namespaces without an entry of their own; by default none (everything kept, nothing pruned).</summary>
    public HistoryRetention Default { get; set; } = new();

    /// <summary>Namespace (exact, case-sensitive) → its rule.</summary>
    public Dictionary<string, HistoryRetention> Namespaces { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The rule that applies to <paramref name="ns"/>.</summary>
    public HistoryRetention For(string ns) => Namespaces.TryGetValue(ns, out var own) ? own : Default;

    /// <summary>True when some namespace's rule prunes anything (else no pruner runs and no horizon is ever written).</summary>
    public bool Prunes => Default.Prunes || Namespaces.Values.Any(r => r.Prunes);
}
