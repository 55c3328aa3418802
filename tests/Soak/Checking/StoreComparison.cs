using Statehouse.Testing.Storage;

namespace Statehouse.Soak.Checking;

/// <summary>
/// Replicated runs, after every worker stopped: reads each store from disk (<see cref="StoreInspector"/>) and adds a
/// <see cref="ViolationKind.StoreMismatch"/> for a store whose log has a gap or a txn_id twice, whose log is not the
/// history the checker read through the clients (commit_ts → txn_id, 1..M), or whose column families (meta aside) do
/// not have the first store's digests.
/// </summary>
internal static class StoreComparison
{
    /// <summary>Compares the stores of <paramref name="stores"/> (name → directory) and returns each one's digests, for the report.</summary>
    public static IReadOnlyList<StoreContents> Check(IReadOnlyList<(string Name, string Path)> stores, Observation observation, CheckReport report)
    {
        var history = new SortedDictionary<long, string>();
        foreach (var replayed in observation.Replays.Values.SelectMany(events => events))
        {
            history.TryAdd(replayed.CommitTs, replayed.TxnId);
        }

        var contents = new List<StoreContents>();
        (string Name, StoreContents Store)? reference = null;
        foreach (var (name, path) in stores)
        {
            StoreContents store;
            try
            {
                store = StoreInspector.Read(path);
            }
            catch (InvalidOperationException e)
            {
                report.Add(ViolationKind.StoreMismatch, $"{name}: cannot read its store: {e.Message}");
                continue;
            }

            contents.Add(store);
            foreach (var violation in store.LogViolations())
            {
                report.Add(ViolationKind.StoreMismatch, $"{name}: {violation}");
            }

            if (store.Log.Count != history.Count || store.Log.Any(c => history.GetValueOrDefault(c.CommitTs) != c.TxnId))
            {
                var differs = store.Log.FirstOrDefault(c => history.GetValueOrDefault(c.CommitTs) != c.TxnId);
                report.Add(ViolationKind.StoreMismatch,
                    $"{name}: its log holds {store.Log.Count} commits, the history read holds {history.Count}" +
                    (differs is null ? "" : $"; at commit_ts {differs.CommitTs} it has txn {differs.TxnId}, the history {history.GetValueOrDefault(differs.CommitTs) ?? "nothing"}"));
            }

            if (reference is not { } first)
            {
                reference = (name, store);
                continue;
            }

            foreach (var family in StoreInspector.DigestedFamilies)
            {
                if (store.Digests[family] != first.Store.Digests[family])
                {
                    report.Add(ViolationKind.StoreMismatch, $"{name}: column family {family} is {store.Digests[family]}, {first.Name}'s is {first.Store.Digests[family]}");
                }
            }
        }

        return contents;
    }
}
