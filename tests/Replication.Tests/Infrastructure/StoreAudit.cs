using System.Globalization;

namespace Statehouse.Replication.Tests.Infrastructure;

/// <summary>
/// The invariants of issue 12, checked on the stores of every worker of a deployment once they are stopped: every
/// acknowledged commit is present with its commit_ts in every store, no transaction is there twice, commit_ts runs
/// 1..last without a gap, and every store holds the same bytes in every column family but meta.
/// </summary>
internal static class StoreAudit
{
    /// <summary>
    /// Every violation, one line each (empty when the stores pass). <paramref name="acknowledged"/> maps the txn_id of
    /// every acknowledged commit to the commit_ts its reply carried.
    /// </summary>
    public static List<string> Check(IReadOnlyDictionary<string, long> acknowledged, IReadOnlyList<StoreContents> stores)
    {
        var violations = new List<string>();
        if (stores.Count == 0)
        {
            violations.Add("no store to check");
            return violations;
        }

        violations.AddRange(acknowledged.GroupBy(a => a.Value).Where(g => g.Count() > 1)
            .Select(g => $"commit_ts {g.Key} was acknowledged to {g.Count()} transactions: {string.Join(", ", g.Select(a => a.Key))}"));

        foreach (var store in stores)
        {
            violations.AddRange(store.LogViolations());
            var missing = new List<string>();
            foreach (var (txnId, commitTs) in acknowledged)
            {
                var at = commitTs >= 1 && commitTs <= store.Log.Count ? store.Log[(int)commitTs - 1] : null;
                if (at is null || at.CommitTs != commitTs || at.TxnId != txnId)
                {
                    missing.Add($"txn {txnId} acknowledged at commit_ts {commitTs} (the store has {at?.TxnId ?? "nothing"} there)");
                }
            }

            if (missing.Count > 0)
            {
                violations.Add($"{store.Path}: {missing.Count} of {acknowledged.Count} acknowledged commits are not at their commit_ts, e.g. {string.Join("; ", missing.Take(5))}");
            }
        }

        var reference = stores[0];
        foreach (var store in stores.Skip(1))
        {
            var differing = StoreInspector.DigestedFamilies.Where(f => reference.Digests[f] != store.Digests[f]).ToList();
            if (differing.Count > 0)
            {
                violations.Add($"{store.Path} differs from {reference.Path} in {string.Join(", ", differing)}: " +
                    $"[{store.DescribeDigests()}] vs [{reference.DescribeDigests()}]");
            }

            if (store.StoreId != reference.StoreId)
            {
                violations.Add($"{store.Path} has store id {store.StoreId}, {reference.Path} {reference.StoreId}");
            }
        }

        return violations;
    }

    /// <summary>One line per store: path, last commit_ts, log length, digests.</summary>
    public static IEnumerable<string> Describe(IEnumerable<StoreContents> stores) =>
        stores.Select(s => $"{s.Path}: last_commit_ts {s.LastCommitTs?.ToString(CultureInfo.InvariantCulture) ?? "none"}, {s.Log.Count} logged, [{s.DescribeDigests()}]");
}
