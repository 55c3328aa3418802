using Statehouse.Replication.Tests.Infrastructure;

namespace Statehouse.Replication.Tests.Storage;

/// <summary>StoreAudit on made-up store contents: each invariant of the proofs, broken once, must be reported.</summary>
public sealed class StoreAuditTests
{
    private static readonly Guid s_storeId = Guid.NewGuid();

    private static readonly Dictionary<string, long> s_acknowledged = new() { ["t1"] = 1, ["t2"] = 2, ["t3"] = 3 };

    [Fact]
    public void Check_IdenticalStoresHoldingEveryAcknowledgedCommit_NoViolation()
    {
        Assert.Empty(StoreAudit.Check(s_acknowledged, [Store("a", "t1", "t2", "t3"), Store("b", "t1", "t2", "t3")]));
    }

    [Fact]
    public void Check_StoreLackingTheLastAcknowledgedCommit_ReportsIt()
    {
        var violations = StoreAudit.Check(s_acknowledged, [Store("a", "t1", "t2", "t3"), Store("b", "t1", "t2")]);

        Assert.Contains(violations, v => v.Contains("b: 1 of 3 acknowledged commits", StringComparison.Ordinal) && v.Contains("txn t3", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("b differs from a in state, history, log, agent_log, inbox", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_CommitAtAnotherCommitTs_ReportsIt()
    {
        var violations = StoreAudit.Check(s_acknowledged, [Store("a", "t2", "t1", "t3")]);

        Assert.Contains(violations, v => v.Contains("2 of 3 acknowledged commits", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_TransactionLoggedTwice_ReportsIt()
    {
        var violations = StoreAudit.Check(s_acknowledged, [Store("a", "t1", "t2", "t3", "t2")]);

        Assert.Contains(violations, v => v.Contains("txn t2 is in the log 2 times, at commit_ts 2, 4", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_GapInTheLog_ReportsIt()
    {
        var gapped = Store("a", "t1", "t2", "t3") with
        {
            Log = [new LoggedCommit(1, "t1", "default", 2), new LoggedCommit(3, "t3", "default", 2)],
            LastCommitTs = 3,
        };

        var violations = StoreAudit.Check(new Dictionary<string, long> { ["t1"] = 1, ["t3"] = 3 }, [gapped]);

        Assert.Contains(violations, v => v.Contains("entry #2 has commit_ts 3", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_OneCommitTsAcknowledgedToTwoTransactions_ReportsIt()
    {
        var violations = StoreAudit.Check(new Dictionary<string, long> { ["t1"] = 1, ["t2"] = 1 }, [Store("a", "t1")]);

        Assert.Contains(violations, v => v.StartsWith("commit_ts 1 was acknowledged to 2 transactions", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_SameLogButAnotherInbox_ReportsTheInbox()
    {
        var other = Store("b", "t1", "t2", "t3");
        other = other with { Digests = new Dictionary<string, FamilyDigest>(other.Digests) { ["inbox"] = new FamilyDigest("inbox", 3, new string('f', 64)) } };

        var violations = StoreAudit.Check(s_acknowledged, [Store("a", "t1", "t2", "t3"), other]);

        Assert.Equal(["b differs from a in inbox"], violations.Select(v => v[..v.IndexOf(':', StringComparison.Ordinal)]));
    }

    /// <summary>A store whose log holds <paramref name="txnIds"/> at commit_ts 1, 2, …; its digests follow from that log.</summary>
    private static StoreContents Store(string path, params string[] txnIds)
    {
        var log = txnIds.Select((t, i) => new LoggedCommit(i + 1, t, "default", 2)).ToList();
        var content = string.Join(",", txnIds);
        var digests = StoreInspector.DigestedFamilies.ToDictionary(f => f, f => new FamilyDigest(f, txnIds.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(f + content)))));
        return new StoreContents(path, digests, log, txnIds.Length, s_storeId);
    }
}
