using Statehouse.Contracts;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>
/// Bounded history on a real RocksDB store (docs/storage.md, "History horizons"): what the pruner removes and keeps, the
/// horizon it stores, and how reads below it answer HISTORY_PRUNED instead of a wrong or partial answer.
/// </summary>
public sealed class HistoryPrunerTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void PruneOnce_KeepVersions3_KeepsTheNewest3PerRecordAndRaisesTheHorizonPastThePruned()
    {
        var first = _store.Commit(Operation.Write("a", "rare", Value("rare-1"))).CommitTs;
        var commits = Enumerable.Range(1, 10).Select(i => _store.Commit(Operation.Write("a", "hot", Value(i))).CommitTs).ToList();

        var pass = Assert.Single(Pruner(new HistoryRetention { KeepVersions = 3 }).PruneOnce());

        // hot v1..v7 (commits[0..6]) went; the horizon is just above the newest of them, and the log below it went too.
        var horizon = commits[6] + 1;
        Assert.Equal(new HistoryPruneResult("default", horizon, Versions: 7, LogEntries: horizon - 1, Compacted: false), pass);
        Assert.Equal(Value(8), Ok(_store.Read(AtVersion("hot", 8))).Record!.Value);
        AssertPruned(_store.Read(AtVersion("hot", 7)), horizon);
        AssertPruned(_store.Read(AtVersion("hot", 1)), horizon);
        Assert.Equal(ErrorCode.VersionNotFound, _store.Read(AtVersion("hot", 11)).ErrorCode);
        // The rarely written record keeps its only version, below the horizon too.
        Assert.Equal(Value("rare-1"), Ok(_store.Read(AtVersion("rare", 1))).Record!.Value);
        Assert.Equal(Value("rare-1"), Ok(_store.Read(AsOf("rare", first))).Record!.Value);
        Assert.Equal(10, _store.Get("a", "hot").Version);
    }

    [Fact]
    public void GetAsOf_AfterPruning_AnswersFromKeptVersionsAndRefusesWhatTheyCannotAnswer()
    {
        var commits = Enumerable.Range(1, 6).Select(i => _store.Commit(Operation.Write("a", "k", Value(i))).CommitTs).ToList();
        var late = _store.Commit(Operation.Write("a", "late", Value("late"))).CommitTs;

        Pruner(new HistoryRetention { KeepVersions = 2 }).PruneOnce();

        var horizon = commits[3] + 1;
        Assert.Equal(Value(5), Ok(_store.Read(AsOf("k", commits[4]))).Record!.Value);
        Assert.Equal(Value(6), Ok(_store.Read(AsOf("k", late))).Record!.Value);
        AssertPruned(_store.Read(AsOf("k", commits[3])), horizon);
        AssertPruned(_store.Read(AsOf("k", commits[0])), horizon);
        // Below the horizon, a record whose first version is kept did not exist yet: an exact answer.
        Assert.False(Ok(_store.Read(AsOf("late", commits[0]))).Record!.Exists);
        Assert.False(Ok(_store.Read(AsOf("never-written", commits[0]))).Record!.Exists);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(null, 1)]
    public void GetAsOf_FromTheHorizonOn_AnswersForEveryRecord(int? keepVersions, int? keepNewerThanDays)
    {
        CommitNow(Operation.Write("a", "k", Value(1)));
        CommitNow(Operation.Write("a", "other", Value("other")));
        _store.Time.Advance(TimeSpan.FromDays(2));
        CommitNow(Operation.Write("a", "other", Value("other-2")));
        var replaced = CommitNow(Operation.Write("a", "k", Value(2)));

        var rule = new HistoryRetention { KeepVersions = keepVersions, KeepNewerThan = keepNewerThanDays is { } d ? TimeSpan.FromDays(d) : null };
        var pass = Assert.Single(Pruner(rule).PruneOnce());

        // k's v1 was current until its v2 replaced it: the state as of any commit_ts from the horizon on is still exact.
        for (var t = pass.Horizon; t <= replaced; t++)
        {
            Assert.Equal(Value(t < replaced ? 1 : 2), Ok(_store.Read(AsOf("k", t))).Record!.Value);
        }
    }

    [Fact]
    public void Replay_FromBelowTheHorizon_RefusedAndFromTheHorizonComplete()
    {
        var commits = Enumerable.Range(1, 8).Select(i => _store.Commit(Operation.Write("a", i % 2 == 0 ? "even" : "odd", Value(i))).CommitTs).ToList();

        Pruner(new HistoryRetention { KeepVersions = 2 }).PruneOnce();

        // odd: v1..v4 at commits[0, 2, 4, 6], even at commits[1, 3, 5, 7]: each loses v1 and v2; even's v2 was replaced
        // last, at commits[5], so the states as of commits[5] on are all kept.
        var horizon = commits[5];
        AssertPruned(_store.Read(Replay(0)), horizon);
        AssertPruned(_store.Read(Replay(horizon - 1)), horizon);
        var events = Ok(_store.Read(Replay(horizon))).Events!;
        Assert.Equal(commits.Where(c => c >= horizon), events.Select(e => e.CommitTs));
        Assert.All(events, e => Assert.NotNull(Assert.Single(e.Operations).Value));
    }

    [Fact]
    public void PruneOnce_RetentionOff_RemovesNothingAndStoresNoHorizon()
    {
        foreach (var i in Enumerable.Range(1, 5))
        {
            _store.Commit(Operation.Write("a", "k", Value(i)));
        }

        Assert.Empty(Pruner(new HistoryRetention()).PruneOnce());
        Assert.Equal(5, Ok(_store.Read(Replay(0))).Events!.Count);
        Assert.Equal(Value(1), Ok(_store.Read(AtVersion("k", 1))).Record!.Value);
    }

    [Fact]
    public void PruneOnce_LatestIsATombstone_KeepsItAndVersionsContinue()
    {
        _store.Commit(Operation.Write("a", "k", Value(1)));
        _store.Commit(Operation.Write("a", "k", Value(2)));
        var deleted = _store.Commit(Operation.Delete("a", "k"));

        Pruner(new HistoryRetention { KeepVersions = 1 }).PruneOnce();

        var tombstone = Ok(_store.Read(AtVersion("k", 3))).Record!;
        Assert.Equal((false, 3L, deleted.CommitTs), (tombstone.Exists, tombstone.Version, tombstone.CommitTs));
        AssertPruned(_store.Read(AtVersion("k", 2)), deleted.CommitTs);
        Assert.Equal(4, Assert.Single(_store.Commit(Operation.Write("a", "k", Value(4))).Versions).Version);
    }

    [Fact]
    public void PruneOnce_KeepNewerThan_HorizonIsTheFirstCommitWithinTheAgeAndLatestVersionsStay()
    {
        CommitNow(Operation.Write("a", "k", Value(1)));
        CommitNow(Operation.Write("a", "old-only", Value("kept: latest")));
        CommitNow(Operation.Write("a", "k", Value(2)));
        _store.Time.Advance(TimeSpan.FromDays(2));
        var recent = CommitNow(Operation.Write("a", "k", Value(3)));
        CommitNow(Operation.Write("a", "k", Value(4)));

        var pass = Assert.Single(Pruner(new HistoryRetention { KeepNewerThan = TimeSpan.FromDays(1) }).PruneOnce());

        Assert.Equal((recent, 2L, 3L), (pass.Horizon, pass.Versions, pass.LogEntries));
        AssertPruned(_store.Read(AtVersion("k", 2)), recent);
        Assert.Equal(Value(3), Ok(_store.Read(AtVersion("k", 3))).Record!.Value);
        Assert.Equal(Value("kept: latest"), _store.Get("a", "old-only").Value);
        Assert.Equal(2, Ok(_store.Read(Replay(recent))).Events!.Count);
    }

    [Fact]
    public void PruneOnce_KeepNewerThanAndNothingThatNew_KeepsTheLastCommitAndEveryLatestVersion()
    {
        CommitNow(Operation.Write("a", "k", Value(1)));
        CommitNow(Operation.Write("a", "other", Value("other")));
        var last = CommitNow(Operation.Write("a", "k", Value(2)));
        _store.Time.Advance(TimeSpan.FromDays(30));

        var pass = Assert.Single(Pruner(new HistoryRetention { KeepNewerThan = TimeSpan.FromDays(1) }).PruneOnce());

        Assert.Equal((last, 1L, 2L), (pass.Horizon, pass.Versions, pass.LogEntries));
        Assert.Equal(last, Assert.Single(Ok(_store.Read(Replay(last))).Events!).CommitTs);
        Assert.Equal(Value("other"), _store.Get("a", "other").Value);
        _store.Reopen();
        Assert.Equal(last, _store.Store.LastCommitTs);
    }

    [Fact]
    public void PruneOnce_PerNamespaceRule_OtherNamespacesKeepEverything()
    {
        foreach (var i in Enumerable.Range(1, 4))
        {
            _store.Apply(Envelope(Operation.Write("a", "k", Value(i))) with { Namespace = "bounded" });
            _store.Apply(Envelope(Operation.Write("a", "k", Value(i))));
        }

        var retention = new HistoryRetentionOptions { Namespaces = { ["bounded"] = new HistoryRetention { KeepVersions = 1 } } };
        var pass = Assert.Single(new HistoryPruner(_store.Store, new HistoryOptions { Retention = retention }, _store.Time).PruneOnce());

        Assert.Equal(("bounded", 3L), (pass.Namespace, pass.Versions));
        Assert.Equal(ErrorCode.HistoryPruned, _store.Read(AtVersion("k", 1) with { Namespace = "bounded" }).ErrorCode);
        Assert.Equal(Value(1), Ok(_store.Read(AtVersion("k", 1))).Record!.Value);
        Assert.Equal(4, Ok(_store.Read(Replay(0))).Events!.Count);
    }

    [Fact]
    public void PruneOnce_Again_HorizonNeverFallsAndSurvivesAReopen()
    {
        foreach (var i in Enumerable.Range(1, 6))
        {
            _store.Commit(Operation.Write("a", "k", Value(i)));
        }

        var first = Assert.Single(Pruner(new HistoryRetention { KeepVersions = 2 }).PruneOnce()).Horizon;
        // A looser rule later never lowers the horizon (what it covered is gone).
        Assert.Empty(Pruner(new HistoryRetention { KeepVersions = 5 }).PruneOnce());
        _store.Reopen();

        AssertPruned(_store.Read(Replay(0)), first);
        Assert.Equal(ErrorCode.HistoryPruned, _store.Read(AtVersion("k", 4)).ErrorCode);
        Assert.Equal(Value(5), Ok(_store.Read(AtVersion("k", 5))).Record!.Value);
    }

    [Fact]
    public async Task PruneOnce_BesideCommits_KeepsEverythingAtOrAboveTheHorizon()
    {
        // Commits and pruning passes at once, as in the worker: a pass decides on its snapshot while groups commit.
        var pruner = Pruner(new HistoryRetention { KeepVersions = 3 });
        var commits = Task.Run(() =>
        {
            for (var group = 0; group < 100; group++)
            {
                _store.Apply([.. Enumerable.Range(0, 20).Select(i => Envelope(Operation.Write("a", $"k{i % 5}", Value((group * 20) + i))))]);
            }
        });
        var passes = Task.Run(() =>
        {
            var count = 0;
            while (!commits.IsCompleted)
            {
                pruner.PruneOnce();
                count++;
            }

            return count;
        });
        await commits;
        Assert.True(await passes > 0, "no pruning pass ran beside the commits");
        pruner.PruneOnce();

        // Each record keeps v398..v400; the last pruned version to be replaced, k4's v397, was replaced by its v398, 6 commits
        // before k0's v400: H is there.
        var horizon = Ok(_store.Read(AtVersion("k0", 400))).Record!.CommitTs - 6;
        var replayed = Ok(_store.Read(Replay(horizon) with { Limit = 1000 })).Events!;
        Assert.Equal(Enumerable.Range((int)horizon, 2000 - (int)horizon + 1).Select(c => (long)c), replayed.Select(e => e.CommitTs));
        Assert.All(replayed, e => Assert.Equal(Value((int)e.CommitTs - 1), Assert.Single(e.Operations).Value));
        AssertPruned(_store.Read(Replay(horizon - 1)), horizon);
        foreach (var key in Enumerable.Range(0, 5).Select(i => $"k{i}"))
        {
            Assert.Equal(400, _store.Get("a", key).Version);
            Assert.Equal(ErrorCode.HistoryPruned, _store.Read(AtVersion(key, 397)).ErrorCode);
        }
    }

    [Fact]
    public void PruneOnce_ManyVersions_CompactsSoTheTableFilesShrink()
    {
        var value = new byte[200];
        for (var group = 0; group < 24; group++)
        {
            // 24 groups of 500 transactions over 10 records: 12,000 versions, 1,200 per record.
            _store.Apply([.. Enumerable.Range(0, 500).Select(i =>
            {
                Random.Shared.NextBytes(value);
                return Envelope(Operation.Write("a", $"k{i % 10}", Value(value)));
            })]);
        }

        var before = TableFileBytes();
        var pass = Assert.Single(Pruner(new HistoryRetention { KeepVersions = 10 }).PruneOnce());

        Assert.True(pass.Compacted);
        Assert.Equal(11_900, pass.Versions);
        var after = TableFileBytes();
        Assert.True(after < before / 5, $"table files {before} bytes before pruning, {after} after: the space did not come back");
        Assert.Equal(1200, _store.Get("a", "k3").Version);
    }

    /// <summary>Commits with a deadline a day after the fake clock's now; returns the commit_ts.</summary>
    private long CommitNow(Operation operation)
    {
        var reply = _store.Apply(Envelope(operation) with { DeadlineUnixMs = _store.Time.GetUtcNow().AddDays(1).ToUnixTimeMilliseconds() }).Outcomes[0].Reply;
        Assert.Equal(CommitStatus.Committed, reply.Status);
        return reply.CommitTs;
    }

    private HistoryPruner Pruner(HistoryRetention rule) =>
        new(_store.Store, new HistoryOptions { Retention = new HistoryRetentionOptions { Default = rule } }, _store.Time);

    private long TableFileBytes()
    {
        // Flushed first (a reopen writes the memtables out): what history, log and agent_log hold in table files.
        _store.Reopen();
        var families = _store.Store.GetFamilyProperty("rocksdb.total-sst-files-size");
        return families[1] + families[2] + families[3];
    }

    private static ReadRequest AtVersion(string key, long version) =>
        new(WireFormat.SchemaVersion, ReadKind.GetAtVersion, "default", "a", key, Version: version);

    private static ReadRequest AsOf(string key, long commitTs) =>
        new(WireFormat.SchemaVersion, ReadKind.GetAsOf, "default", "a", key, CommitTs: commitTs);

    private static ReadRequest Replay(long startTs) =>
        new(WireFormat.SchemaVersion, ReadKind.Replay, "default", "a", StartTs: startTs);

    private static void AssertPruned(ReadReply reply, long horizon)
    {
        Assert.Equal((ErrorCode.HistoryPruned, horizon), (reply.ErrorCode, reply.Horizon));
        Assert.Contains($"commit_ts {horizon}", reply.ErrorMessage, StringComparison.Ordinal);
    }
}
