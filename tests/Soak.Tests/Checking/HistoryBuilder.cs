using Statehouse.Soak.Checking;
using Statehouse.Soak.Journal;

namespace Statehouse.Soak.Tests.Checking;

/// <summary>
/// Builds what a correct store would show for a list of transactions (replays, records, key listings) and the matching
/// journal, so that each test breaks exactly one thing.
/// </summary>
internal sealed class HistoryBuilder
{
    private readonly List<JournalEntry> _journal = [];
    private readonly Dictionary<(string Agent, string Key), long> _versions = [];
    private readonly Dictionary<string, List<ObservedEvent>> _replays = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Agent, string Key), ObservedRecord> _records = [];
    public List<JournalEntry> Journal => _journal;

    public Dictionary<string, List<ObservedEvent>> Replays => _replays;

    public Dictionary<(string Agent, string Key), ObservedRecord> Records => _records;

    /// <summary>The last commit_ts the worker reports; tests move it to make a gap.</summary>
    public long LastCommitTs { get; set; }

    /// <summary>A committed transaction: writes <c>agent/key</c> pairs (a key starting with '-' is deleted) with the marker.</summary>
    public HistoryBuilder Commit(string txnId, params (string Agent, string Key)[] records) => Apply(txnId, JournalStatus.Committed, records);

    /// <summary>A transaction the client gave up on but the worker applied.</summary>
    public HistoryBuilder InDoubtApplied(string txnId, params (string Agent, string Key)[] records) => Apply(txnId, JournalStatus.InDoubt, records);

    /// <summary>A transaction the client journaled with <paramref name="status"/> that the store does not show.</summary>
    public HistoryBuilder NotApplied(string txnId, JournalStatus status, params (string Agent, string Key)[] records)
    {
        var operations = records.Select(r => Operation(txnId, r, 0)).ToList();
        _journal.Add(new JournalEntry(txnId, status, 0, status == JournalStatus.Rejected ? "CONFLICT" : null, operations, null));
        return this;
    }

    public Observation Build()
    {
        var listed = _records.Values.GroupBy(r => r.Agent)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Where(r => r.Exists).Select(r => r.Key).Order(StringComparer.Ordinal).ToList());
        return new Observation(
            LastCommitTs,
            _replays.ToDictionary(p => p.Key, p => (IReadOnlyList<ObservedEvent>)p.Value),
            _records.Values.ToList(),
            listed);
    }

    private HistoryBuilder Apply(string txnId, JournalStatus status, (string Agent, string Key)[] records)
    {
        var commitTs = ++LastCommitTs;
        var operations = new List<JournalOperation>();
        foreach (var record in records)
        {
            var identity = (record.Agent, record.Key.TrimStart('-'));
            var version = _versions[identity] = _versions.GetValueOrDefault(identity) + 1;
            var operation = Operation(txnId, record, version);
            operations.Add(operation);
            var observed = new ObservedOperation(operation.Key, operation.Delete, operation.Value, version);
            if (!_replays.TryGetValue(record.Agent, out var events))
            {
                _replays[record.Agent] = events = [];
            }

            if (events.Count > 0 && events[^1].CommitTs == commitTs)
            {
                events[^1] = events[^1] with { Operations = [.. events[^1].Operations, observed] };
            }
            else
            {
                events.Add(new ObservedEvent(txnId, commitTs, record.Agent, [observed]));
            }

            _records[identity] = new ObservedRecord(record.Agent, operation.Key, !operation.Delete, operation.Value, version, commitTs);
        }

        _journal.Add(new JournalEntry(txnId, status, status == JournalStatus.Committed ? commitTs : 0, null,
            status == JournalStatus.Committed ? operations : operations.Select(o => o with { Version = 0 }).ToList(), null));
        return this;
    }

    private static JournalOperation Operation(string txnId, (string Agent, string Key) record, long version)
    {
        var delete = record.Key.StartsWith('-');
        return new JournalOperation(record.Agent, record.Key.TrimStart('-'), delete, delete ? null : $"{txnId}#1", version);
    }
}
