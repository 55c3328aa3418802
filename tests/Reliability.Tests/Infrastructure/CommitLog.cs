using Statehouse.Client;

namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>
/// The committed history as the worker replays it, merged over the agents a test wrote: which transaction holds each
/// commit_ts, and at which commit_ts each transaction was applied (more than one would be a double apply).
/// </summary>
internal sealed class CommitLog
{
    private readonly Dictionary<long, string> _txnAt = [];
    private readonly Dictionary<string, List<long>> _commitTsOf = new(StringComparer.Ordinal);
    private readonly List<string> _conflicts = [];

    private CommitLog()
    {
    }

    /// <summary>Replayed events of every agent read, in commit order per agent.</summary>
    public List<ReplayEvent> Events { get; } = [];

    public long LastCommitTs => _txnAt.Count == 0 ? 0 : _txnAt.Keys.Max();

    public int TransactionCount => _commitTsOf.Count;

    public static Task<CommitLog> ReadAsync(StatehouseClient client, string @namespace, IEnumerable<string> agents, CancellationToken ct) =>
        ReadAsync(client, agents.Select(agent => (@namespace, agent)), ct);

    /// <summary>Replays every (namespace, agent) and merges their events by commit_ts.</summary>
    public static async Task<CommitLog> ReadAsync(StatehouseClient client, IEnumerable<(string Namespace, string AgentId)> agents, CancellationToken ct)
    {
        var log = new CommitLog();
        foreach (var (ns, agent) in agents.Distinct())
        {
            await foreach (var replayed in client.ReplayAsync(agent, @namespace: ns, ct: ct))
            {
                log.Add(replayed);
            }
        }

        return log;
    }

    /// <summary>The commit_ts values at which <paramref name="txnId"/> was applied (empty: never).</summary>
    public IReadOnlyList<long> CommitTsOf(string txnId) => _commitTsOf.TryGetValue(txnId, out var all) ? all : [];

    /// <summary>The replayed event of <paramref name="txnId"/> for <paramref name="agentId"/>, if it was applied.</summary>
    public ReplayEvent? EventOf(string txnId, string agentId) =>
        Events.Find(e => e.TxnId == txnId && e.AgentId == agentId);

    /// <summary>
    /// Everything that breaks the guarantee: a transaction applied twice, two transactions at one commit_ts, a gap in
    /// 1..<paramref name="lastCommitTs"/> or a commit_ts beyond it. Empty when the log is exactly 1..lastCommitTs.
    /// </summary>
    public List<string> Violations(long lastCommitTs)
    {
        var violations = new List<string>(_conflicts);
        violations.AddRange(_commitTsOf.Where(p => p.Value.Count > 1).Select(p => $"txn {p.Key} applied {p.Value.Count} times, at commit_ts {string.Join(", ", p.Value)}"));
        var gaps = Enumerable.Range(1, (int)lastCommitTs).Where(ts => !_txnAt.ContainsKey(ts)).ToList();
        if (gaps.Count > 0)
        {
            violations.Add($"{gaps.Count} commit_ts missing from the replayed log of 1..{lastCommitTs}, first {string.Join(", ", gaps.Take(10))}");
        }

        violations.AddRange(_txnAt.Keys.Where(ts => ts > lastCommitTs || ts < 1).Select(ts => $"commit_ts {ts} outside 1..{lastCommitTs}"));
        return violations;
    }

    private void Add(ReplayEvent replayed)
    {
        Events.Add(replayed);
        if (_txnAt.TryGetValue(replayed.CommitTs, out var holder))
        {
            // A transaction that touched several agents shows up in each agent's replay at the same commit_ts.
            if (holder != replayed.TxnId)
            {
                _conflicts.Add($"commit_ts {replayed.CommitTs} holds both txn {holder} and txn {replayed.TxnId}");
            }

            return;
        }

        _txnAt[replayed.CommitTs] = replayed.TxnId;
        if (!_commitTsOf.TryGetValue(replayed.TxnId, out var all))
        {
            _commitTsOf[replayed.TxnId] = all = [];
        }

        all.Add(replayed.CommitTs);
    }
}
