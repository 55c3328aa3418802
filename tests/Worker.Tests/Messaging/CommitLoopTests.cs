using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Messaging;

/// <summary>
/// The commit loop in-process: a real temporary RocksDB store behind it, recording settlements in front of it, and a
/// clock the test moves. What only a worker process can show (SIGKILL, standby takeover, broker restarts, a full disk)
/// stays in the child-process suites.
/// </summary>
public sealed class CommitLoopTests
{
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(500);

    // 0xc1 is never used in MessagePack: no envelope can be read from it, so the message is dead-lettered.
    private static readonly byte[] s_undecodable = [0xc1];

    [Fact]
    public async Task RunAsync_GroupWithUndecodableMessage_WritesThenDeadLettersThenRepliesThenAcks()
    {
        await using var h = new CommitLoopHarness();
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "bad", s_undecodable);
        await h.DeliverAsync(a, 3, "tx-3");
        var writesBefore = h.Store.Store.SyncedWrites;

        h.Start();
        await h.Events.WaitForAsync(e => e is { Action: "announce", Id: "tx-3" });

        Assert.Equal(
            ["write tx-1,bad,tx-3", "dead-letter@A 2 bad", "reply@A tx-1", "reply@A bad", "reply@A tx-3", "ack@A 3+",
                "announce@A tx-1", "announce@A tx-3"],
            h.Trace());
        Assert.Equal("INVALID_REQUEST", h.Events.All.Single(e => e is { Action: "reply", Id: "bad" }).Detail);
        Assert.Equal(writesBefore + 1, h.Store.Store.SyncedWrites);
        Assert.Equal((2, 1, 1, 1, 3, 2L), (h.Counters.Committed, h.Counters.Rejected, h.Counters.DeadLetters, h.Counters.Groups,
            h.Counters.GroupMessages, h.Counters.LastCommitTs));
    }

    [Fact]
    public async Task RunAsync_MoreReadyThanMaxBatchCount_GroupsByCount()
    {
        await using var h = new CommitLoopHarness(new CommitOptions { MaxBatchCount = 2 });
        var a = h.Session("A");
        for (ulong tag = 1; tag <= 5; tag++)
        {
            await h.DeliverAsync(a, tag, $"tx-{tag}");
        }

        h.Start();
        await h.Events.WaitForAsync(e => e is { Action: "announce", Id: "tx-5" });

        Assert.Equal(["write tx-1,tx-2", "write tx-3,tx-4", "write tx-5"], h.Trace("write"));
        Assert.Equal(["ack@A 2+", "ack@A 4+", "ack@A 5+"], h.Trace("ack"));
        Assert.Equal(3, h.Counters.Groups);
    }

    [Fact]
    public async Task RunAsync_BodiesOverMaxBatchBytes_GroupsByBytesAndLargerBodyAlone()
    {
        var size = Body("tx-1").Length;
        await using var h = new CommitLoopHarness(new CommitOptions { MaxBatchBytes = (2 * size) + (size / 2) });
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "tx-2");
        await h.DeliverAsync(a, 3, "tx-3");
        var big = WireFormat.Serialize(EnvelopeWithId("big", Operation.Write("agent", "big", Value(new string('x', 10 * size)))));
        await h.DeliverAsync(a, 4, "big", big);
        await h.DeliverAsync(a, 5, "tx-5");

        h.Start();
        await h.Events.WaitForAsync(e => e is { Action: "announce", Id: "tx-5" });

        Assert.Equal(["write tx-1,tx-2", "write tx-3", "write big", "write tx-5"], h.Trace("write"));
        Assert.Equal(["ack@A 2+", "ack@A 3+", "ack@A 4+", "ack@A 5+"], h.Trace("ack"));
    }

    [Fact]
    public async Task RunAsync_GroupFailsUnexpectedly_RequeuesThenIsolatesSoOnlyTheBadMessageFails()
    {
        await using var h = new CommitLoopHarness(poisonMessageId: "poison");
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "poison");
        await h.DeliverAsync(a, 3, "tx-3");

        h.Start();
        await h.Events.WaitForAsync(e => e.Action == "requeue");
        Assert.Equal(s_firstBackoff, await h.Time.NextTimerAsync());
        Assert.Equal(["requeue@A 3+"], h.Trace());

        // The broker delivers the requeued messages again; after the back-off the loop takes them one at a time.
        await h.DeliverAsync(a, 4, "tx-1", redelivered: true);
        await h.DeliverAsync(a, 5, "poison", redelivered: true);
        await h.DeliverAsync(a, 6, "tx-3", redelivered: true);
        h.Time.Advance(s_firstBackoff);
        await h.Events.WaitForAsync(e => e is { Action: "requeue", Tag: 5 });
        // tx-1's success reset the back-off.
        Assert.Equal(s_firstBackoff, await h.Time.NextTimerAsync());
        h.Time.Advance(s_firstBackoff);
        await h.Events.WaitForAsync(e => e is { Action: "announce", Id: "tx-3" });

        Assert.Equal(
            ["requeue@A 3+", "write tx-1", "reply@A tx-1", "ack@A 4+", "announce@A tx-1", "requeue@A 5+", "write tx-3", "reply@A tx-3",
                "ack@A 6+", "announce@A tx-3"],
            h.Trace());
        Assert.True(h.Store.Get("agent", "tx-3").Exists);
        Assert.Equal(2, h.Counters.Committed);
    }

    [Fact]
    public async Task RunAsync_StorageWriteFails_RetriesSameGroupInPlaceWithGrowingBackoff()
    {
        await using var h = new CommitLoopHarness();
        h.Applier.FailStorage(groups: 2);
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "tx-2");

        h.Start();
        Assert.Equal(s_firstBackoff, await h.Time.NextTimerAsync());
        Assert.False(h.Health.StorageWritable);
        h.Time.Advance(s_firstBackoff);
        Assert.Equal(2 * s_firstBackoff, await h.Time.NextTimerAsync());
        Assert.False(h.Health.StorageWritable);
        h.Time.Advance(2 * s_firstBackoff);
        await h.Events.WaitForAsync(e => e is { Action: "announce", Id: "tx-2" });

        // Never requeued (a requeue counts against the delivery limit), never acked before the write.
        Assert.Equal(
            ["recover", "recover", "write tx-1,tx-2", "reply@A tx-1", "reply@A tx-2", "ack@A 2+", "announce@A tx-1", "announce@A tx-2"],
            h.Trace());
        Assert.True(h.Health.StorageWritable);
        Assert.Equal((2, 1), (h.Counters.Committed, h.Counters.Groups));
    }

    [Fact]
    public async Task RunAsync_DeadLetterCopyUnroutable_HoldsItAcksAroundItAndRetriesAfterBackoff()
    {
        await using var h = new CommitLoopHarness();
        var a = h.Session("A");
        a.FailNextDeadLetters(1, "routed to no queue");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "bad", s_undecodable);
        await h.DeliverAsync(a, 3, "tx-3");

        h.Start();
        // The loop waits for more deliveries until the held copy's retry is due.
        Assert.Equal(s_firstBackoff, await h.Time.NextTimerAsync());
        Assert.Equal(
            ["write tx-1,bad,tx-3", "dead-letter@A 2 bad", "reply@A tx-1", "reply@A bad", "reply@A tx-3", "ack@A 1+", "ack@A 3",
                "announce@A tx-1", "announce@A tx-3"],
            h.Trace());
        Assert.Contains("routed to no queue", h.Health.DeadLetterError);
        Assert.Equal(0, h.Counters.DeadLetters);

        h.Time.Advance(s_firstBackoff);
        await h.Events.AckedAsync(a, 2);

        Assert.Equal(["declare@A", "dead-letter@A 2 bad", "ack@A 2"], h.Trace().Skip(9));
        Assert.Null(h.Health.DeadLetterError);
        Assert.Equal(1, h.Counters.DeadLetters);
    }

    [Fact]
    public async Task RunAsync_UnexpectedFailureWhileDeadLetterHeld_RequeuesGroupOneByOneSparingTheHeld()
    {
        await using var h = new CommitLoopHarness(poisonMessageId: "poison");
        var a = h.Session("A");
        a.FailNextDeadLetters(1, "routed to no queue");
        a.ReplyGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await h.DeliverAsync(a, 1, "bad", s_undecodable);

        h.Start();
        await h.Events.WaitForAsync(e => e.Action == "dead-letter");
        // Both ready when the loop takes its next group.
        await h.DeliverAsync(a, 2, "tx-2");
        await h.DeliverAsync(a, 3, "poison");
        a.ReplyGate.SetResult();
        await h.Events.WaitForAsync(e => e is { Action: "requeue", Tag: 3 });

        // A multiple nack of tag 3 would requeue the held tag 1 too, and its later ack would then close the channel.
        Assert.Equal(["write bad", "dead-letter@A 1 bad", "reply@A bad", "requeue@A 2", "requeue@A 3"], h.Trace());
    }

    [Fact]
    public async Task RunAsync_UnexpectedFailureBeyondDeliveryLimit_DeadLettersInsteadOfRequeueing()
    {
        await using var h = new CommitLoopHarness(deliveryLimit: 3, poisonMessageId: "poison");
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "poison", deliveryCount: 2);

        h.Start();
        await h.Events.WaitForAsync(e => e.Action == "requeue");
        Assert.Equal(s_firstBackoff, await h.Time.NextTimerAsync());
        // The quorum queue counts the requeue: the fourth delivery is beyond Broker:DeliveryLimit 3.
        await h.DeliverAsync(a, 2, "poison", deliveryCount: 3, redelivered: true);
        h.Time.Advance(s_firstBackoff);
        await h.Events.AckedAsync(a, 2);

        Assert.Equal(["requeue@A 1+", "dead-letter@A 2 poison", "reply@A poison", "ack@A 2+"], h.Trace());
        Assert.Contains("failed unexpectedly on 4 deliveries", h.Events.All.Single(e => e.Action == "dead-letter").Detail);
        Assert.Equal("INTERNAL_ERROR", h.Events.All.Single(e => e.Action == "reply").Detail);
        Assert.Equal(1, h.Counters.DeadLetters);
    }

    [Fact]
    public async Task RunAsync_DeliveriesOfLostSession_AreDroppedAndOnlyTheNewSessionsAcked()
    {
        await using var h = new CommitLoopHarness();
        var a = h.Session("A");
        var b = h.Session("B");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "tx-2");
        await h.DeliverAsync(b, 1, "tx-1", redelivered: true);
        await h.DeliverAsync(b, 2, "tx-2", redelivered: true);
        a.Close();

        h.Start();
        await h.Events.WaitForAsync(e => e is { Action: "announce", Id: "tx-2" });

        Assert.Equal(
            ["write tx-1,tx-2", "reply@B tx-1", "reply@B tx-2", "ack@B 2+", "announce@B tx-1", "announce@B tx-2"],
            h.Trace());
    }

    [Fact]
    public async Task RunAsync_DeliveriesOfTwoOpenSessions_NeverShareAGroup()
    {
        await using var h = new CommitLoopHarness();
        var a = h.Session("A");
        var b = h.Session("B");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "tx-2");
        await h.DeliverAsync(b, 1, "tx-3");

        h.Start();
        await h.Events.WaitForAsync(e => e is { Action: "announce", Id: "tx-3" });

        Assert.Equal(["write tx-1,tx-2", "write tx-3"], h.Trace("write"));
        Assert.Equal(["ack@A 2+", "ack@B 1+"], h.Trace("ack"));
    }

    [Fact]
    public async Task RunAsync_HeldDeadLetterOfLostSession_IsDroppedNotRetriedOrAcked()
    {
        await using var h = new CommitLoopHarness();
        var a = h.Session("A");
        var b = h.Session("B");
        a.FailNextDeadLetters(1, "routed to no queue");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "bad", s_undecodable);

        h.Start();
        Assert.Equal(s_firstBackoff, await h.Time.NextTimerAsync());
        a.Close();
        await h.DeliverAsync(b, 1, "tx-3");
        await h.Events.AckedAsync(b, 1);
        // Back to waiting for the held copy's retry.
        Assert.Equal(s_firstBackoff, await h.Time.NextTimerAsync());
        h.Time.Advance(s_firstBackoff);
        await h.DeliverAsync(b, 2, "tx-4");
        await h.Events.WaitForAsync(e => e is { Action: "announce", Id: "tx-4" });

        // While A's message was held, B's were acked one by one; once it was dropped, with a multiple ack again.
        Assert.Equal(
            ["write tx-1,bad", "dead-letter@A 2 bad", "reply@A tx-1", "reply@A bad", "ack@A 1+", "announce@A tx-1",
                "write tx-3", "reply@B tx-3", "ack@B 1", "announce@B tx-3",
                "write tx-4", "reply@B tx-4", "ack@B 2+", "announce@B tx-4"],
            h.Trace());
        Assert.Null(h.Health.DeadLetterError);
    }

    private static byte[] Body(string txnId) =>
        WireFormat.Serialize(EnvelopeWithId(txnId, Operation.Write("agent", txnId, Value(txnId))));
}
