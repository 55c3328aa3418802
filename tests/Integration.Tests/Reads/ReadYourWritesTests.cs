using System.Diagnostics;
using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Reads;

/// <summary>
/// What the client sends as a read's min_commit_ts (read-your-writes), and how it treats NOT_CAUGHT_UP, seen by a
/// scripted worker on the real broker.
/// </summary>
public sealed class ReadYourWritesTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task Reads_ByDefault_SendTheHighestCommitTsTheClientHasSeen()
    {
        await using var worker = await ScriptedWorker.StartAsync(Broker.Connection, Scope.Names);
        var client = await Scope.ConnectClientAsync();

        await client.GetStateAsync<string>("agent", "k", ct: Ct);
        worker.CommitTs = 42;
        await CommitAsync(client, tx => tx.Write("agent", "k", "v"));
        await client.GetStateAsync<string>("agent", "k", ct: Ct);
        worker.AnswerRead = request => new ReadReply(
            ErrorCode.None, Records: [new StateRecord("k", true, [0xA1, 0x76], 3, 57)], Health: new HealthReport(true, "ok", 57, "0.1.0", 1));
        await client.ScanPrefixPageAsync<string>("agent", ct: Ct);
        await client.ListKeysPageAsync("agent", ct: Ct);
        client.ObserveCommitTs(100);
        client.ObserveCommitTs(5);
        await client.ReplayPageAsync("agent", ct: Ct);
        await client.HealthAsync(Ct);

        Assert.Equal([0, 42, 42, 57, 100, 0], worker.Reads.Select(r => r.MinCommitTs));
        Assert.Equal(100, client.HighestSeenCommitTs);
    }

    [Fact]
    public async Task Reads_ReadYourWritesOff_SendZeroUnlessTold()
    {
        await using var worker = await ScriptedWorker.StartAsync(Broker.Connection, Scope.Names);
        var client = await Scope.ConnectClientAsync(o => o.ReadYourWrites = false);
        worker.CommitTs = 42;
        await CommitAsync(client, tx => tx.Write("agent", "k", "v"));
        worker.AnswerRead = request => new ReadReply(ErrorCode.None, Record: new StateRecord("k", true, [0xA1, 0x76], 3, 57));

        await client.GetStateAsync<string>("agent", "k", ct: Ct);
        await client.GetStateAsync<string>("agent", "k", ct: Ct);
        client.ObserveCommitTs(7);
        await client.GetStateAsync<string>("agent", "k", ct: Ct);

        Assert.Equal([0, 0, 7], worker.Reads.Select(r => r.MinCommitTs));
    }

    [Fact]
    public async Task Read_NotCaughtUpTwice_AsksAgainAndReturnsTheAnswer()
    {
        await using var worker = await ScriptedWorker.StartAsync(Broker.Connection, Scope.Names);
        var client = await Scope.ConnectClientAsync();
        client.ObserveCommitTs(9);
        var answered = 0;
        worker.AnswerRead = request => Interlocked.Increment(ref answered) <= 2
            ? ReadReply.Error(ErrorCode.NotCaughtUp, "behind")
            : new ReadReply(ErrorCode.None, Record: new StateRecord("k", true, [0xA1, 0x76], 4, 9));

        var state = await client.GetStateAsync<string>("agent", "k", ct: Ct);

        Assert.Equal(("v", 9L), (state.Value, state.CommitTs));
        Assert.Equal([9, 9, 9], worker.Reads.Select(r => r.MinCommitTs));
    }

    [Fact]
    public async Task Read_NotCaughtUpThroughout_ThrowsTypedExceptionAfterTheReadTimeout()
    {
        await using var worker = await ScriptedWorker.StartAsync(Broker.Connection, Scope.Names);
        var client = await Scope.ConnectClientAsync(o => (o.ReadTimeout, o.MaxReadAttempts) = (TimeSpan.FromSeconds(1), 2));
        client.ObserveCommitTs(9);
        worker.AnswerRead = request => ReadReply.Error(ErrorCode.NotCaughtUp, "behind");

        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<StatehouseNotCaughtUpException>(() => client.GetStateAsync<string>("agent", "k", ct: Ct));

        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(2), $"gave up after {started.Elapsed.TotalMilliseconds:F0} ms, before ReadTimeout × MaxReadAttempts");
        Assert.Equal(ErrorCode.NotCaughtUp, error.Code);
        Assert.StartsWith("NOT_CAUGHT_UP: behind (asked for ", error.Message, StringComparison.Ordinal);
        Assert.True(worker.Reads.Count >= 3, $"asked {worker.Reads.Count} times");
    }

    [Fact]
    public async Task CommitThenRead_RealWorker_ReadsItsOwnWrites()
    {
        var client = await StartWorkerAndClientAsync();
        for (var i = 0; i < 20; i++)
        {
            var committed = await CommitAsync(client, tx => tx.Write("agent", "k", i));

            var state = await client.GetStateAsync<int>("agent", "k", ct: Ct);

            Assert.Equal((i, committed.CommitTs), (state.Value, state.CommitTs));
            Assert.Equal(committed.CommitTs, client.HighestSeenCommitTs);
        }
    }
}
