using Statehouse.Soak.Journal;

namespace Statehouse.Soak.Checking;

/// <summary>
/// Compares what the clients were told (their journals) with what the store shows (an <see cref="Observation"/>):
/// every acknowledged commit present at its commit_ts with its values and versions; no transaction partly visible; no
/// txn_id at two commit_ts; commit_ts exactly 1..M, each one transaction; no rejected or unknown transaction visible;
/// replaying each agent from the start reproduces its current records and key listing.
/// </summary>
internal static class InvariantChecker
{
    /// <exception cref="InvalidDataException">Two journal entries share a txn_id (the soak's own bug, not the store's).</exception>
    public static CheckReport Check(IReadOnlyCollection<JournalEntry> journal, Observation observation)
    {
        var report = new CheckReport { MaxCommitTs = observation.LastCommitTs };
        var sent = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        foreach (var entry in journal)
        {
            if (!sent.TryAdd(entry.TxnId, entry))
            {
                throw new InvalidDataException($"txn_id {entry.TxnId} is journaled twice");
            }
        }

        var commits = IndexByCommitTs(observation, report);
        var timestamps = TimestampsByTxn(commits);
        CheckDuplicates(timestamps, report);
        CheckGaps(commits, observation.LastCommitTs, report);
        CheckJournal(sent.Values, commits, timestamps, report);
        foreach (var (txnId, at) in timestamps)
        {
            if (!sent.ContainsKey(txnId))
            {
                report.Add(ViolationKind.Phantom, $"txn {txnId} at commit_ts {string.Join(", ", at)} was sent by no client");
            }
        }

        CheckReplayReproducesState(observation, report);
        return report;
    }

    /// <summary>commit_ts → the transaction replay shows there, with its operations over all agents.</summary>
    private static SortedDictionary<long, VisibleCommit> IndexByCommitTs(Observation observation, CheckReport report)
    {
        var commits = new SortedDictionary<long, VisibleCommit>();
        foreach (var (agent, events) in observation.Replays)
        {
            long previous = 0;
            foreach (var replayed in events)
            {
                if (replayed.CommitTs <= previous)
                {
                    report.Add(ViolationKind.ReplayMismatch, $"replay of {agent} goes from commit_ts {previous} to {replayed.CommitTs} (txn {replayed.TxnId})");
                }

                previous = replayed.CommitTs;
                if (replayed.Agent != agent)
                {
                    report.Add(ViolationKind.ReplayMismatch, $"replay of {agent} returned an event of {replayed.Agent} (txn {replayed.TxnId})");
                }

                if (!commits.TryGetValue(replayed.CommitTs, out var commit))
                {
                    commits[replayed.CommitTs] = commit = new VisibleCommit(replayed.CommitTs, replayed.TxnId);
                }
                else if (commit.TxnId != replayed.TxnId)
                {
                    report.Add(ViolationKind.Gaps, $"commit_ts {replayed.CommitTs} is txn {commit.TxnId} in one replay and txn {replayed.TxnId} in {agent}'s");
                    continue;
                }

                commit.Operations.AddRange(replayed.Operations.Select(o => (agent, o)));
            }
        }

        return commits;
    }

    private static Dictionary<string, SortedSet<long>> TimestampsByTxn(SortedDictionary<long, VisibleCommit> commits)
    {
        var timestamps = new Dictionary<string, SortedSet<long>>(StringComparer.Ordinal);
        foreach (var (commitTs, commit) in commits)
        {
            if (!timestamps.TryGetValue(commit.TxnId, out var set))
            {
                timestamps[commit.TxnId] = set = [];
            }

            set.Add(commitTs);
        }

        return timestamps;
    }

    private static void CheckDuplicates(Dictionary<string, SortedSet<long>> timestamps, CheckReport report)
    {
        foreach (var (txnId, at) in timestamps)
        {
            if (at.Count > 1)
            {
                report.Add(ViolationKind.Duplicate, $"txn {txnId} applied at commit_ts {string.Join(", ", at)}");
            }
        }
    }

    private static void CheckGaps(SortedDictionary<long, VisibleCommit> commits, long lastCommitTs, CheckReport report)
    {
        for (long ts = 1; ts <= lastCommitTs; ts++)
        {
            if (!commits.ContainsKey(ts))
            {
                report.Add(ViolationKind.Gaps, $"commit_ts {ts} is in no replay (last commit_ts {lastCommitTs})");
            }
        }

        foreach (var (ts, commit) in commits.Where(c => c.Key < 1 || c.Key > lastCommitTs))
        {
            report.Add(ViolationKind.Gaps, $"commit_ts {ts} (txn {commit.TxnId}) is outside 1..{lastCommitTs}");
        }
    }

    private static void CheckJournal(
        IEnumerable<JournalEntry> sent, SortedDictionary<long, VisibleCommit> commits, Dictionary<string, SortedSet<long>> timestamps, CheckReport report)
    {
        foreach (var entry in sent)
        {
            var visible = timestamps.GetValueOrDefault(entry.TxnId);
            switch (entry.Status)
            {
                case JournalStatus.Committed when visible is null:
                    report.Add(ViolationKind.Lost, $"txn {entry.TxnId} acknowledged at commit_ts {entry.CommitTs} is in no replay");
                    break;
                case JournalStatus.Committed when !visible.Contains(entry.CommitTs):
                    report.Add(ViolationKind.Lost, $"txn {entry.TxnId} acknowledged at commit_ts {entry.CommitTs} is at commit_ts {string.Join(", ", visible)}");
                    break;
                case JournalStatus.Committed:
                    Compare(entry, commits[entry.CommitTs], acknowledged: true, report);
                    break;
                case JournalStatus.Rejected when visible is not null:
                    report.Add(ViolationKind.Phantom, $"txn {entry.TxnId} rejected with {entry.ErrorCode} is visible at commit_ts {string.Join(", ", visible)}");
                    break;
                case JournalStatus.InDoubt when visible is not null:
                    report.InDoubtApplied++;
                    Compare(entry, commits[visible.Min], acknowledged: false, report);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// The operations replay shows for a transaction must be exactly the ones sent: another set of records is a partial
    /// transaction; the same records with another kind, value or (acknowledged) version is a lost commit for an
    /// acknowledged one and a partial one otherwise.
    /// </summary>
    private static void Compare(JournalEntry entry, VisibleCommit commit, bool acknowledged, CheckReport report)
    {
        // A record twice in one commit is as wrong as a missing one: the count comparison below catches it.
        var shown = commit.Operations.GroupBy(o => (o.Agent, o.Operation.Key)).ToDictionary(g => g.Key, g => g.First().Operation);
        var expected = entry.Operations.ToDictionary(o => (o.Agent, o.Key));
        var missing = expected.Keys.Where(k => !shown.ContainsKey(k)).ToList();
        var extra = shown.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        if (missing.Count > 0 || extra.Count > 0 || shown.Count != commit.Operations.Count)
        {
            report.Add(ViolationKind.Partial,
                $"txn {entry.TxnId} ({Describe(entry.Status)}) at commit_ts {commit.CommitTs} shows {commit.Operations.Count} of {expected.Count} operations" +
                $"{List(" missing", missing)}{List(" not sent", extra)}");
            return;
        }

        foreach (var (record, operation) in expected)
        {
            var seen = shown[record];
            var differs = seen.Delete != operation.Delete || seen.Value != operation.Value || (acknowledged && seen.Version != operation.Version);
            if (differs)
            {
                report.Add(acknowledged ? ViolationKind.Lost : ViolationKind.Partial,
                    $"txn {entry.TxnId} ({Describe(entry.Status)}) at commit_ts {commit.CommitTs}: {record.Agent}/{record.Key} sent " +
                    $"{Show(operation.Delete, operation.Value)}{(acknowledged ? $" v{operation.Version}" : "")}, replay shows {Show(seen.Delete, seen.Value)} v{seen.Version}");
            }
        }
    }

    /// <summary>
    /// Folds each agent's replay from the start (each write or delete moves its record's version by exactly one) and
    /// compares the result with the records read by get and with the key listing.
    /// </summary>
    private static void CheckReplayReproducesState(Observation observation, CheckReport report)
    {
        var folded = new Dictionary<(string Agent, string Key), ObservedRecord>();
        foreach (var (agent, events) in observation.Replays)
        {
            foreach (var replayed in events.OrderBy(e => e.CommitTs))
            {
                foreach (var operation in replayed.Operations)
                {
                    var record = (agent, operation.Key);
                    var before = folded.GetValueOrDefault(record)?.Version ?? 0;
                    if (operation.Version != before + 1)
                    {
                        report.Add(ViolationKind.ReplayMismatch,
                            $"{agent}/{operation.Key} goes from v{before} to v{operation.Version} at commit_ts {replayed.CommitTs} (txn {replayed.TxnId})");
                    }

                    folded[record] = new ObservedRecord(agent, operation.Key, !operation.Delete, operation.Value, operation.Version, replayed.CommitTs);
                }
            }
        }

        var read = new HashSet<(string, string)>();
        foreach (var actual in observation.Records)
        {
            read.Add((actual.Agent, actual.Key));
            var replayed = folded.GetValueOrDefault((actual.Agent, actual.Key)) ?? new ObservedRecord(actual.Agent, actual.Key, false, null, 0, 0);
            if (replayed != actual)
            {
                report.Add(ViolationKind.ReplayMismatch, $"{actual.Agent}/{actual.Key}: replay gives {Show(replayed)}, get gives {Show(actual)}");
            }
        }

        foreach (var record in folded.Keys.Where(k => !read.Contains(k)))
        {
            report.Add(ViolationKind.ReplayMismatch, $"{record.Agent}/{record.Key} is in the replay but was not read");
        }

        foreach (var (agent, keys) in observation.ListedKeys)
        {
            var existing = folded.Values.Where(r => r.Agent == agent && r.Exists).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var key in existing.Where(k => !keys.Contains(k)))
            {
                report.Add(ViolationKind.ReplayMismatch, $"{agent}/{key} exists after replay but is not listed");
            }

            foreach (var key in keys.Where(k => !existing.Contains(k)))
            {
                report.Add(ViolationKind.ReplayMismatch, $"{agent}/{key} is listed but does not exist after replay");
            }
        }
    }

    private static string Describe(JournalStatus status) => status == JournalStatus.Committed ? "acknowledged" : "in doubt";

    private static string Show(bool delete, string? value) => delete ? "delete" : $"write '{value}'";

    private static string Show(ObservedRecord r) =>
        r.Exists ? $"'{r.Value}' v{r.Version} @{r.CommitTs}" : $"(absent{(r.Value is null ? "" : $", value '{r.Value}'")}) v{r.Version} @{r.CommitTs}";

    private static string List(string label, List<(string Agent, string Key)> records) =>
        records.Count == 0 ? "" : $";{label}: {string.Join(", ", records.Select(r => $"{r.Agent}/{r.Key}"))}";

    /// <summary>One commit_ts as the replays show it: its txn_id and every agent's operations.</summary>
    private sealed class VisibleCommit(long commitTs, string txnId)
    {
        public long CommitTs { get; } = commitTs;

        public string TxnId { get; } = txnId;

        public List<(string Agent, ObservedOperation Operation)> Operations { get; } = [];
    }
}
