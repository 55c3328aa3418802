using Statehouse.Contracts;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Tests.Messaging;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Reads;

/// <summary>
/// Reads with a min_commit_ts (read-your-writes): answered once the store has that commit_ts, after a wait woken by the
/// store's writes and bounded by Statehouse:Reads:CatchUpWaitMilliseconds, else NOT_CAUGHT_UP.
/// </summary>
public sealed class MinCommitTsTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    private readonly TempStore _store = new();
    private readonly ObservedTime _time = new();
    private readonly ReadService _reads;

    public MinCommitTsTests()
    {
        _reads = new ReadService(
            _store.Store, new ReadServiceOptions { CatchUpWaitMilliseconds = 5000 }, new Telemetry.WorkerHealth(), NoAuthorization, NewCounters(), time: _time);
    }

    public void Dispose() => _store.Dispose();

    private static ReadRequest Get(long minCommitTs) => new(WireFormat.SchemaVersion, ReadKind.Get, "default", "agent", "k", MinCommitTs: minCommitTs);

    private ValueTask<ReadReply> ReadAsync(ReadRequest request, CancellationToken ct = default) =>
        _reads.HandleAsync(WireFormat.Serialize(request), null, ct);

    [Fact]
    public async Task HandleAsync_MinCommitTsReached_AnswersAtOnce()
    {
        var committed = _store.Commit(Operation.Write("agent", "k", Value("v1")));

        var reply = Ok(await ReadAsync(Get(committed.CommitTs)));

        Assert.Equal(committed.CommitTs, reply.Record!.CommitTs);
    }

    [Fact]
    public async Task HandleAsync_CommitDuringTheWait_AnswersWithIt()
    {
        _store.Commit(Operation.Write("agent", "k", Value("v1")));

        var waiting = ReadAsync(Get(2)).AsTask();
        await _time.NextTimerAsync();
        Assert.False(waiting.IsCompleted, "the read answered before the store reached its min_commit_ts");
        var committed = _store.Commit(Operation.Write("agent", "k", Value("v2")));

        var reply = Ok(await waiting.WaitAsync(s_patience));
        Assert.Equal((2L, 2L), (committed.CommitTs, reply.Record!.CommitTs));
        Assert.Equal(Value("v2"), reply.Record.Value);
    }

    [Fact]
    public async Task HandleAsync_CommitsBelowMinCommitTs_KeepWaiting()
    {
        var waiting = ReadAsync(Get(3)).AsTask();
        await _time.NextTimerAsync();

        _store.Commit(Operation.Write("agent", "k", Value("v1")));
        _store.Commit(Operation.Write("agent", "k", Value("v2")));
        Assert.False(waiting.IsCompleted, "the read answered at commit_ts 2, below its min_commit_ts 3");
        _store.Commit(Operation.Write("agent", "k", Value("v3")));

        Assert.Equal(3, Ok(await waiting.WaitAsync(s_patience)).Record!.CommitTs);
    }

    [Fact]
    public async Task HandleAsync_NoCommitWithinTheWait_AnswersNotCaughtUpAfterIt()
    {
        _store.Commit(Operation.Write("agent", "k", Value("v1")));

        var waiting = ReadAsync(Get(5)).AsTask();
        Assert.Equal(TimeSpan.FromMilliseconds(5000), await _time.NextTimerAsync());
        _time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.False(waiting.IsCompleted, "the read gave up before its wait was over");
        _time.Advance(TimeSpan.FromMilliseconds(1));

        var reply = await waiting.WaitAsync(s_patience);
        Assert.Equal(ErrorCode.NotCaughtUp, reply.ErrorCode);
        Assert.Equal(
            "this worker's store has applied up to commit_ts 1, below the read's min_commit_ts 5 (it waits at most 5000 ms, " +
            "Statehouse:Reads:CatchUpWaitMilliseconds); retry, another worker may be further",
            reply.ErrorMessage);
    }

    [Fact]
    public async Task HandleAsync_Cancelled_ThrowsSoTheRequestIsLeftToAnotherWorker()
    {
        using var draining = new CancellationTokenSource();
        var waiting = ReadAsync(Get(1), draining.Token).AsTask();
        await _time.NextTimerAsync();

        await draining.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(s_patience));
    }

    [Theory]
    [InlineData(ReadKind.Health)]
    [InlineData(ReadKind.Version)]
    [InlineData(ReadKind.Stats)]
    public async Task HandleAsync_WorkerWideRead_IgnoresMinCommitTs(ReadKind kind)
    {
        var reply = await ReadAsync(new ReadRequest(WireFormat.SchemaVersion, kind, "default", MinCommitTs: 1000));

        Assert.Equal(ErrorCode.None, reply.ErrorCode);
    }

    [Fact]
    public void Handle_StoreBehind_AnswersNotCaughtUpWithoutWaiting()
    {
        var reply = _reads.Handle(Get(1));

        Assert.Equal(ErrorCode.NotCaughtUp, reply.ErrorCode);
    }

    [Fact]
    public void Handle_NegativeMinCommitTs_InvalidRequest()
    {
        var reply = _reads.Handle(Get(-1));

        Assert.Equal((ErrorCode.InvalidRequest, "min_commit_ts -1 is negative"), (reply.ErrorCode, reply.ErrorMessage));
    }

    [Fact]
    public async Task HandleAsync_BadRequestWithMinCommitTs_InvalidRequestAtOnce()
    {
        var reply = await ReadAsync(Get(1000) with { Key = "" });

        Assert.Equal(ErrorCode.InvalidRequest, reply.ErrorCode);
    }
}
