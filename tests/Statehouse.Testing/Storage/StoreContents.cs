namespace Statehouse.Testing.Storage;

/// <summary>What <see cref="StoreInspector.Read"/> found in one store.</summary>
/// <param name="Path">The store's directory.</param>
/// <param name="Digests">A digest per column family of <see cref="StoreInspector.DigestedFamilies"/>, by name.</param>
/// <param name="Log">The log column family's commits in commit_ts order.</param>
/// <param name="LastCommitTs">meta's last_commit_ts; null when the record is missing.</param>
/// <param name="StoreId">meta's store_id (the deployment's store id); null when the record is missing.</param>
public sealed record StoreContents(
    string Path, IReadOnlyDictionary<string, FamilyDigest> Digests, IReadOnlyList<LoggedCommit> Log, long? LastCommitTs, Guid? StoreId)
{
    /// <summary>The digests, one <c>family=entries:sha256</c> per column family, for messages.</summary>
    public string DescribeDigests() => string.Join(", ", Digests.Values.Select(d => d.ToString()));

    /// <summary>
    /// What is wrong with the log on its own: commit_ts values other than exactly 1..<see cref="LastCommitTs"/> (a gap,
    /// or a log that does not end at meta's last commit_ts), or a txn_id at more than one commit_ts. Empty when none.
    /// </summary>
    public IReadOnlyList<string> LogViolations()
    {
        var violations = new List<string>();
        for (var i = 0; i < Log.Count; i++)
        {
            if (Log[i].CommitTs != i + 1)
            {
                violations.Add($"{Path}: the log's entry #{i + 1} has commit_ts {Log[i].CommitTs} (gap or does not start at 1)");
                break;
            }
        }

        if (LastCommitTs != Log.Count)
        {
            violations.Add($"{Path}: meta's last_commit_ts is {LastCommitTs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"}, the log holds {Log.Count} commits");
        }

        violations.AddRange(Log.GroupBy(c => c.TxnId).Where(g => g.Count() > 1)
            .Select(g => $"{Path}: txn {g.Key} is in the log {g.Count()} times, at commit_ts {string.Join(", ", g.Select(c => c.CommitTs))}"));
        return violations;
    }
}
