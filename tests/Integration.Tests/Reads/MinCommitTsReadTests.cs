using System.Diagnostics;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Reads;

/// <summary>
/// Read-your-writes on the real worker: a read whose min_commit_ts the store has not reached waits for it (at most
/// Statehouse:Reads:CatchUpWaitMilliseconds) and is answered as soon as a commit gets there, else NOT_CAUGHT_UP.
/// </summary>
public sealed class MinCommitTsReadTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    private const int CatchUpWaitMilliseconds = 2000;

    [Fact]
    public async Task Read_MinCommitTsBeyondTheLastCommit_WaitsThenAnswersNotCaughtUp()
    {
        await Scope.StartWorkerAsync(("Statehouse:Reads:CatchUpWaitMilliseconds", CatchUpWaitMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var client = await Scope.ConnectClientAsync();
        var committed = await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));
        var raw = await Scope.CreateRawClientAsync();

        var reached = await raw.ReadAsync(Scope.Names, Get(committed.CommitTs), Patience);
        Assert.Equal((ErrorCode.None, committed.CommitTs), (reached.ErrorCode, reached.Record?.CommitTs));

        var started = Stopwatch.StartNew();
        var behind = await raw.ReadAsync(Scope.Names, Get(committed.CommitTs + 1), Patience);
        var waited = started.Elapsed;

        Assert.Equal(ErrorCode.NotCaughtUp, behind.ErrorCode);
        Assert.Contains($"applied up to commit_ts {committed.CommitTs}, below the read's min_commit_ts {committed.CommitTs + 1}", behind.ErrorMessage, StringComparison.Ordinal);
        Assert.True(waited >= TimeSpan.FromMilliseconds(CatchUpWaitMilliseconds), $"answered after {waited.TotalMilliseconds:F0} ms, before the wait was over");

        var health = await raw.ReadAsync(Scope.Names, new ReadRequest(WireFormat.SchemaVersion, ReadKind.Health, "default", MinCommitTs: long.MaxValue), Patience);
        Assert.Equal(ErrorCode.None, health.ErrorCode);
    }

    [Fact]
    public async Task Read_CommitArrivesDuringTheWait_AnswersWithThatCommit()
    {
        await Scope.StartWorkerAsync(("Statehouse:Reads:CatchUpWaitMilliseconds", "60000"));
        var client = await Scope.ConnectClientAsync();
        var first = await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));
        var raw = await Scope.CreateRawClientAsync();

        var started = Stopwatch.StartNew();
        var waiting = raw.ReadAsync(Scope.Names, Get(first.CommitTs + 1), Patience);
        // The read reaches the worker and waits: a normal read behind it on the same worker still answers meanwhile.
        Assert.Equal("v1", (await client.GetStateAsync<string>("agent", "k", ct: Ct)).Value);
        Assert.False(waiting.IsCompleted, "the read answered before the store reached its min_commit_ts");
        var second = await CommitAsync(client, tx => tx.Write("agent", "k", "v2"));

        var reply = await waiting;
        Output.WriteLine($"answered {started.ElapsedMilliseconds} ms after it was sent");
        Assert.Equal((ErrorCode.None, second.CommitTs), (reply.ErrorCode, reply.Record?.CommitTs));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), "the read was answered by the wait's end, not by the commit");
    }

    [Fact]
    public async Task Stop_WhileAReadWaitsToCatchUp_EndsTheWaitAndLeavesTheReadQueued()
    {
        var worker = await Scope.StartWorkerAsync(("Statehouse:Reads:CatchUpWaitMilliseconds", "60000"));
        var client = await Scope.ConnectClientAsync();
        var raw = await Scope.CreateRawClientAsync();
        var waiting = raw.ReadAsync(Scope.Names, Get(1000), TimeSpan.FromMinutes(2));
        // Sent after it and answered: the waiting read was delivered to the worker before this one.
        await client.HealthAsync(Ct);

        var started = Stopwatch.StartNew();
        Assert.Equal(0, await worker.StopAsync(TimeSpan.FromSeconds(30)));

        Output.WriteLine($"stopped in {started.ElapsedMilliseconds} ms");
        Assert.False(waiting.IsCompleted, "the waiting read was answered although the store never reached its min_commit_ts");
        Assert.Equal(1u, await raw.MessageCountAsync(Scope.Names.ReadQueue));
    }

    private static ReadRequest Get(long minCommitTs) =>
        new(WireFormat.SchemaVersion, ReadKind.Get, "default", "agent", "k", MinCommitTs: minCommitTs);
}
