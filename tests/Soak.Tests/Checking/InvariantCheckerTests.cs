using Statehouse.Soak.Checking;
using Statehouse.Soak.Journal;

namespace Statehouse.Soak.Tests.Checking;

/// <summary>The checker finds each kind of violation in an otherwise correct history, and nothing in a correct one.</summary>
public sealed class InvariantCheckerTests
{
    [Fact]
    public void Check_ConsistentHistory_FindsNothing()
    {
        var history = Sample();

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.True(report.Passed, string.Join('\n', report.Violations));
        Assert.Equal(4, report.MaxCommitTs);
        Assert.Equal(1, report.InDoubtApplied);
    }

    [Fact]
    public void Check_AcknowledgedCommitAtAnotherCommitTs_CountsLost()
    {
        var history = Sample();
        history.Journal[0] = history.Journal[0] with { CommitTs = 3 };

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.Equal(1, report.Count(ViolationKind.Lost));
        Assert.Single(report.Violations);
    }

    [Fact]
    public void Check_AcknowledgedCommitWithAnotherValue_CountsLost()
    {
        var history = Sample();
        var first = history.Journal[0];
        history.Journal[0] = first with { Operations = [first.Operations[0] with { Value = "other" }, .. first.Operations.Skip(1)] };

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.Equal(1, report.Count(ViolationKind.Lost));
        Assert.Single(report.Violations);
    }

    [Fact]
    public void Check_AcknowledgedCommitMissing_CountsLostAndGap()
    {
        var history = Sample();
        history.Journal.Add(new JournalEntry("t-lost", JournalStatus.Committed, 5, null, [new JournalOperation("a1", "k9", false, "t-lost#1", 1)], null));
        history.LastCommitTs = 5;

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.Equal(1, report.Count(ViolationKind.Lost));
        Assert.Equal(1, report.Count(ViolationKind.Gaps));
        Assert.Equal(2, report.Violations.Count);
    }

    [Fact]
    public void Check_TransactionVisibleInOneAgentOnly_CountsPartial()
    {
        var history = Sample();
        history.Replays["a2"].RemoveAll(e => e.TxnId == "t1");
        history.Records.Remove(("a2", "k1"));

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.Equal(1, report.Count(ViolationKind.Partial));
        Assert.Single(report.Violations);
    }

    [Fact]
    public void Check_TransactionAtTwoCommitTs_CountsDuplicate()
    {
        var history = Sample();
        history.Replays["a3"] = [new ObservedEvent("t1", 5, "a3", [new ObservedOperation("k5", false, "t1#1", 1)])];
        history.Records[("a3", "k5")] = new ObservedRecord("a3", "k5", true, "t1#1", 1, 5);
        history.LastCommitTs = 5;

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.Equal(1, report.Count(ViolationKind.Duplicate));
    }

    [Fact]
    public void Check_LastCommitTsBeyondReplay_CountsGap()
    {
        var history = Sample();
        history.LastCommitTs = 6;

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.Equal(2, report.Count(ViolationKind.Gaps));
        Assert.Equal(2, report.Violations.Count);
    }

    [Fact]
    public void Check_OneCommitTsForTwoTransactions_CountsGap()
    {
        var history = Sample();
        // commit_ts 3 (t4) is in both agents' replays: a2 now names another transaction there.
        var events = history.Replays["a2"];
        events[^1] = events[^1] with { TxnId = "t-other" };

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.True(report.Count(ViolationKind.Gaps) >= 1, string.Join('\n', report.Violations));
    }

    [Fact]
    public void Check_CurrentStateDiffersFromReplay_CountsReplayMismatch()
    {
        var history = Sample();
        history.Records[("a1", "k1")] = history.Records[("a1", "k1")] with { Value = "stale" };

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.Equal(1, report.Count(ViolationKind.ReplayMismatch));
        Assert.Single(report.Violations);
    }

    [Fact]
    public void Check_KeyListedButDeleted_CountsReplayMismatch()
    {
        var history = Sample();
        var observation = history.Build();
        var listed = observation.ListedKeys.ToDictionary(p => p.Key, p => p.Value);
        listed["a1"] = [.. listed["a1"], "k2"];

        var report = InvariantChecker.Check(history.Journal, observation with { ListedKeys = listed });

        Assert.Equal(1, report.Count(ViolationKind.ReplayMismatch));
    }

    [Fact]
    public void Check_VersionSkippedInReplay_CountsReplayMismatch()
    {
        var history = Sample();
        var events = history.Replays["a1"];
        var last = events[^1];
        events[^1] = last with { Operations = [.. last.Operations.Select(o => o with { Version = o.Version + 1 })] };
        foreach (var operation in last.Operations)
        {
            history.Records[("a1", operation.Key)] = history.Records[("a1", operation.Key)] with { Version = operation.Version + 1 };
        }

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.True(report.Count(ViolationKind.ReplayMismatch) >= 1, string.Join('\n', report.Violations));
    }

    [Fact]
    public void Check_RejectedTransactionVisible_CountsPhantom()
    {
        var history = Sample();
        var applied = history.Journal.Single(e => e.TxnId == "t4");
        history.Journal[history.Journal.IndexOf(applied)] = applied with { Status = JournalStatus.Rejected, ErrorCode = "CONFLICT" };

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.Equal(1, report.Count(ViolationKind.Phantom));
        Assert.Single(report.Violations);
    }

    [Fact]
    public void Check_TransactionNoClientSent_CountsPhantom()
    {
        var history = Sample();
        history.Journal.RemoveAll(e => e.TxnId == "t4");

        var report = InvariantChecker.Check(history.Journal, history.Build());

        Assert.Equal(1, report.Count(ViolationKind.Phantom));
        Assert.Single(report.Violations);
    }

    /// <summary>
    /// Four commit_ts: t1 over two agents, t2 with a delete, t4 in doubt but applied, t5; t3 rejected and t6 in doubt
    /// are not visible.
    /// </summary>
    private static HistoryBuilder Sample() => new HistoryBuilder()
        .Commit("t1", ("a1", "k1"), ("a2", "k1"), ("a1", "k2"))
        .Commit("t2", ("a1", "-k2"), ("a1", "k3"))
        .NotApplied("t3", JournalStatus.Rejected, ("a2", "k1"), ("a2", "k2"))
        .InDoubtApplied("t4", ("a2", "k2"), ("a1", "k1"))
        .Commit("t5", ("a1", "k3"), ("a1", "k4"))
        .NotApplied("t6", JournalStatus.InDoubt, ("a1", "k4"), ("a2", "k4"));
}
