using Microsoft.Extensions.Logging.Abstractions;
using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Client.Following;

namespace Statehouse.Integration.Tests.Following;

/// <summary>The hand-over of FollowAsync without a broker: scripted replay pages and workers, real time.</summary>
public sealed class FollowLoopTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(1));
    private readonly FollowWakeups _wakeups = new(TimeProvider.System);

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task RunAsync_CommitsWhileFollowing_DeliversEveryOneAfterTheStartOnceInOrder()
    {
        var replay = new ScriptedReplay(workers: 1);
        replay.Commit(10, matchEvery: 2);
        var received = new List<long>();
        await using var follow = Loop(replay, TimeSpan.FromMilliseconds(20)).RunAsync(afterCommitTs: 4, _timeout.Token).GetAsyncEnumerator();

        for (var round = 0; round < 20; round++)
        {
            received.Add(await NextAsync(follow));
            replay.Commit(3, matchEvery: 2);
        }

        var expected = replay.Matching().Where(ts => ts > 4).Take(received.Count);
        Assert.Equal(expected, received);
    }

    [Fact]
    public async Task RunAsync_FailoverToAWorkerBehind_NeitherRepeatsNorSkipsAndAsksForTheAnnouncedCommit()
    {
        var replay = new ScriptedReplay(workers: 2) { PageSize = 3 };
        replay.Commit(10, matchEvery: 1, appliedBy: 0);
        var loop = Loop(replay, TimeSpan.FromMilliseconds(20));
        await using var follow = loop.RunAsync(afterCommitTs: 0, _timeout.Token).GetAsyncEnumerator();
        var received = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            received.Add(await NextAsync(follow));
        }

        // Worker 1 has applied nothing yet; the next commits reach only worker 0, which is lost.
        replay.Answering = 1;
        replay.Commit(5, matchEvery: 1, appliedBy: 0);
        _wakeups.Announced(15);
        var next = NextAsync(follow);
        await WaitForReadsAsync(replay, minCommitTs: 15, count: 2);
        Assert.False(next.IsCompleted, "an event came from a worker that has not applied it");
        replay.CatchUp(1);
        for (var i = 0; i < 5; i++)
        {
            received.Add(await (i == 0 ? next : NextAsync(follow)));
        }

        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), received);
    }

    [Fact]
    public async Task RunAsync_NoAnnouncement_ThePollIntervalFindsTheCommit()
    {
        var replay = new ScriptedReplay(workers: 1);
        await using var follow = Loop(replay, TimeSpan.FromMilliseconds(100)).RunAsync(0, _timeout.Token).GetAsyncEnumerator();
        var read = replay.NextRead;
        var first = NextAsync(follow);
        await read.WaitAsync(s_patience);

        replay.Commit(1);

        Assert.Equal(1, await first);
    }

    [Fact]
    public async Task RunAsync_Announcement_ReadsAgainAtOnceWithItsCommitTsAsMin()
    {
        var replay = new ScriptedReplay(workers: 1);
        // A day: only the announcement can wake the loop within the test.
        await using var follow = Loop(replay, TimeSpan.FromDays(1)).RunAsync(0, _timeout.Token).GetAsyncEnumerator();
        var read = replay.NextRead;
        var first = NextAsync(follow);
        await read.WaitAsync(s_patience);

        replay.Commit(3);
        _wakeups.Announced(3);

        Assert.Equal(1, await first);
        Assert.Equal((1, 3), replay.ReadsSoFar()[^1]);
    }

    [Fact]
    public async Task RunAsync_CaughtUpToAnAnnouncedCommitOfOthers_ReadsOnFromAboveItNotFromTheLastDelivered()
    {
        var replay = new ScriptedReplay(workers: 1);
        replay.Commit(1);
        await using var follow = Loop(replay, TimeSpan.FromDays(1)).RunAsync(0, _timeout.Token).GetAsyncEnumerator();
        Assert.Equal(1, await NextAsync(follow));

        // 2..51 touch other agents (a busy namespace beside a quiet one); the read with min 51 finds none of the filter's.
        var next = NextAsync(follow);
        replay.Commit(50, matchEvery: 1000);
        _wakeups.Announced(51);
        await WaitForReadsAsync(replay, minCommitTs: 51, count: 1);
        replay.Commit(1);
        _wakeups.Announced(52);

        Assert.Equal(52, await next);
        Assert.Equal((52, 52), replay.ReadsSoFar()[^1]);
    }

    [Fact]
    public async Task RunAsync_AnnouncedCommitOfOthersThatDoesNotWake_NextPollReadsOnFromAboveIt()
    {
        var replay = new ScriptedReplay(workers: 1);
        replay.Commit(1);
        await using var follow = Loop(replay, TimeSpan.FromMilliseconds(20)).RunAsync(0, _timeout.Token).GetAsyncEnumerator();
        Assert.Equal(1, await NextAsync(follow));

        // 2..51 touch other agents of the namespace: announced, but no wake-up for this agent's follower.
        var next = NextAsync(follow);
        replay.Commit(50, matchEvery: 1000);
        var generation = _wakeups.Generation;
        _wakeups.Announced(51, touchesFilter: false);
        Assert.Equal(generation, _wakeups.Generation);
        await WaitForReadsAsync(replay, minCommitTs: 51, count: 1);
        // Several polls without a min (nothing announced above 51 since): none may go back below 52.
        await WaitForReadsAsync(replay, minCommitTs: 0, count: replay.ReadsSoFar().Count(r => r.MinCommitTs == 0) + 3);
        replay.Commit(1);

        Assert.Equal(52, await next);
        Assert.All(replay.ReadsSoFar().SkipWhile(r => r.MinCommitTs != 51).Skip(1), r => Assert.Equal(52, r.From));
    }

    [Fact]
    public async Task RunAsync_ReadTimesOutOrFailsForAWhile_TriesAgainAndLosesNothing()
    {
        var replay = new ScriptedReplay(workers: 1);
        replay.Commit(4);
        replay.FailNext(new StatehouseTimeoutException("no reply", null, 2, TimeSpan.FromSeconds(1)));
        replay.FailNext(new StatehouseStorageException("read failed: the store is closed for a reopen"));
        await using var follow = Loop(replay, TimeSpan.FromMilliseconds(20)).RunAsync(1, _timeout.Token).GetAsyncEnumerator();

        var received = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            received.Add(await NextAsync(follow));
        }

        Assert.Equal([2L, 3L, 4L], received);
        Assert.Equal(3, replay.ReadsSoFar().Count(r => r.From == 2));
    }

    [Fact]
    public async Task RunAsync_InvalidRequest_EndsTheEnumerationWithIt()
    {
        var replay = new ScriptedReplay(workers: 1);
        replay.FailNext(new StatehouseInvalidRequestException("namespace is missing or empty"));
        await using var follow = Loop(replay, TimeSpan.FromMilliseconds(20)).RunAsync(0, _timeout.Token).GetAsyncEnumerator();

        await Assert.ThrowsAsync<StatehouseInvalidRequestException>(() => NextAsync(follow));
    }

    [Fact]
    public async Task RunAsync_PageWithoutEventsButANextStart_ReadsOnFromThere()
    {
        var reads = new List<long>();
        var loop = new FollowLoop((from, _, _) =>
        {
            reads.Add(from);
            return Task.FromResult(from < 50 ? new ReplayPage([], 50) : new ReplayPage([new ReplayEvent("t", 60, "", [])], 0));
        }, _wakeups, TimeSpan.FromDays(1), NullLogger.Instance, "test");
        await using var follow = loop.RunAsync(7, _timeout.Token).GetAsyncEnumerator();

        Assert.Equal(60, await NextAsync(follow));
        Assert.Equal([8L, 50L], reads);
    }

    [Fact]
    public async Task RunAsync_PageThatDoesNotAdvance_ThrowsInsteadOfLooping()
    {
        var loop = new FollowLoop((from, _, _) => Task.FromResult(new ReplayPage([], from)), _wakeups, TimeSpan.FromDays(1), NullLogger.Instance, "test");
        await using var follow = loop.RunAsync(7, _timeout.Token).GetAsyncEnumerator();

        var error = await Assert.ThrowsAsync<StatehouseException>(() => NextAsync(follow));
        Assert.Contains("did not advance", error.Message, StringComparison.Ordinal);
    }

    private FollowLoop Loop(ScriptedReplay replay, TimeSpan pollInterval) =>
        new(replay.ReadPageAsync, _wakeups, pollInterval, NullLogger.Instance, "test");

    private static async Task<long> NextAsync(IAsyncEnumerator<ReplayEvent> follow)
    {
        Assert.True(await follow.MoveNextAsync().AsTask().WaitAsync(s_patience), "the follow ended");
        return follow.Current.CommitTs;
    }

    private static async Task WaitForReadsAsync(ScriptedReplay replay, long minCommitTs, int count)
    {
        while (replay.ReadsSoFar().Count(r => r.MinCommitTs == minCommitTs) < count)
        {
            await replay.NextRead.WaitAsync(s_patience);
        }
    }
}
