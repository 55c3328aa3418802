using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Tests.Messaging;

namespace Statehouse.Worker.Tests.Replication;

/// <summary>
/// The commit loop's replicated path in-process (docs/replication.md): a real store, recording settlements whose confirmed
/// log publishes go to an in-memory log, and a real log follower per session reading that log.
/// </summary>
public sealed class ReplicationCoordinatorTests
{
    [Fact]
    public async Task CommitAsync_FirstGroupOfASession_MarkerReadBackThenRecordBeforeWriteThenRepliesAndAck()
    {
        await using var h = new CommitLoopHarness(replicated: true);
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "tx-2");

        h.Start();
        await h.Events.AckedAsync(a, 2);

        Assert.Equal(
            ["log@A marker 1", "forget", "log@A group 1/1", "write tx-1,tx-2", "reply@A tx-1", "reply@A tx-2", "ack@A 2+"],
            h.Trace().Where(e => !e.StartsWith("announce", StringComparison.Ordinal)));
        var logged = h.Log.Records[1];
        Assert.Equal((LogRecordKind.Group, 1L, 1L, 1L, 2L, h.Store.Store.StoreId), (logged.Kind, logged.Epoch, logged.Seq, logged.FirstCommitTs,
            logged.LastCommitTs, logged.StoreId));
        // The primary's store records the group as its last, and where to read the log from: after the marker it read.
        Assert.Equal(new ReplicationPosition(1, 1, ResumeOffset: 1, ResumeEpoch: 1, ResumeSeq: 0), h.Store.Store.Position);
        Assert.Equal("primary", h.Health.Role);
    }

    [Fact]
    public async Task CommitAsync_NextGroups_NoNewMarkerAndSeqGoesOn()
    {
        await using var h = new CommitLoopHarness(new CommitOptions { MaxBatchCount = 1 }, replicated: true);
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        await h.DeliverAsync(a, 2, "tx-2");
        await h.DeliverAsync(a, 3, "tx-3");

        h.Start();
        await h.Events.AckedAsync(a, 3);

        Assert.Equal(["log@A marker 1", "log@A group 1/1", "log@A group 1/2", "log@A group 1/3"], h.Trace("log"));
        Assert.Equal(3, h.Store.Store.LastCommitTs);
    }

    [Fact]
    public async Task CommitAsync_GroupTooBigForOneLogRecord_CommittedAsConsecutiveGroupsEachWithinTheLimit()
    {
        // Four transactions of 600 KB values in one group: 2.4 MB of values against a 1 MiB record limit. (A fork of a
        // few bytes can write megabytes; one record beyond the broker's max_message_size was refused on every retry.)
        await using var h = new CommitLoopHarness(replicated: true, maxRecordBytes: 1L << 20);
        var a = h.Session("A");
        foreach (var i in Enumerable.Range(1, 4))
        {
            var txnId = $"tx-{i}";
            await h.DeliverAsync(a, (ulong)i, txnId, WireFormat.Serialize(TempStore.EnvelopeWithId(txnId, Operation.Write("agent", txnId, TempStore.Value(new byte[600_000])))));
        }

        h.Start();
        await h.Events.AckedAsync(a, 4);

        Assert.Equal(["log@A marker 1", "log@A group 1/1", "log@A group 1/2", "log@A group 1/3", "log@A group 1/4"], h.Trace("log"));
        Assert.Equal(["write tx-1", "write tx-2", "write tx-3", "write tx-4"], h.Trace("write"));
        Assert.Equal(["reply@A tx-1", "reply@A tx-2", "reply@A tx-3", "reply@A tx-4"], h.Trace("reply"));
        Assert.All(h.Log.Records.Skip(1), r => Assert.True(r.Changes!.Sum(c => c.Record?.Value?.Length ?? 0) <= 1 << 20));
        Assert.Equal([1L, 2L, 3L, 4L], h.Log.Records.Skip(1).Select(r => r.LastCommitTs));
        Assert.Equal(4, h.Store.Store.LastCommitTs);
    }

    [Fact]
    public async Task CommitAsync_LogPublishNotConfirmed_WritesNothingAcksNothingAndAbandonsTheSession()
    {
        await using var h = new CommitLoopHarness(replicated: true);
        var a = h.Session("A");
        a.FailNextLogPublishes(1);
        await h.DeliverAsync(a, 1, "tx-1");

        h.Start();
        await h.Events.WaitForAsync(e => e.Action == "abandon");

        Assert.Equal(["log@A marker 1", "forget", "log@A group 1/1", "forget", "abandon@A"], h.Trace());
        Assert.Equal(0, h.Store.Store.LastCommitTs);
        Assert.False(h.Store.Get("agent", "tx-1").Exists);

        // The broker redelivers it on the next session, which takes over under a higher epoch; seq 1 is still free.
        var b = h.Session("B");
        await h.DeliverAsync(b, 1, "tx-1", redelivered: true);
        await h.Events.AckedAsync(b, 1);

        Assert.Equal(["log@A marker 1", "log@A group 1/1", "log@B marker 2", "log@B group 2/1"], ValidLog(h));
        Assert.Equal(1, h.Store.Get("agent", "tx-1").CommitTs);
    }

    [Fact]
    public async Task CommitAsync_LogConfirmNeverComes_GivesUpAfterThePublishTimeoutWritingAndAckingNothing()
    {
        await using var h = new CommitLoopHarness(replicated: true);
        var a = h.Session("A");
        a.WithholdNextLogConfirm();
        await h.DeliverAsync(a, 1, "tx-1");

        h.Start();
        await h.Events.WaitForAsync(e => e.Action == "abandon");

        Assert.Equal(["log@A marker 1", "forget", "log@A group 1/1", "forget", "abandon@A"], h.Trace());
        Assert.Equal(0, h.Store.Store.LastCommitTs);
        Assert.False(h.Store.Get("agent", "tx-1").Exists);
    }

    [Fact]
    public async Task CommitAsync_WriteFailsAfterTheConfirm_NeverPublishesThatSeqAgainAndTheNextSessionAppliesItFromTheLog()
    {
        await using var h = new CommitLoopHarness(replicated: true);
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        h.Start();
        await h.Events.AckedAsync(a, 1);

        h.Applier.FailStorage(groups: 1);
        await h.DeliverAsync(a, 2, "tx-2");
        await h.Events.WaitForAsync(e => e.Action == "abandon");
        Assert.False(h.Store.Get("agent", "tx-2").Exists);
        Assert.False(h.Health.StorageWritable);

        // The new session's follower applies group 1/2 from the log; the redelivery is answered from the inbox.
        var b = h.Session("B");
        await h.DeliverAsync(b, 1, "tx-2", redelivered: true);
        await h.Events.AckedAsync(b, 1);

        Assert.Equal(["log@A marker 1", "log@A group 1/1", "log@A group 1/2", "log@B marker 2"], ValidLog(h));
        Assert.Equal(2, h.Store.Get("agent", "tx-2").CommitTs);
        Assert.Equal(1, h.Counters.Duplicates);
        Assert.True(h.Health.StorageWritable);
        // Applied from the log: group 2 of epoch 1 is the store's last, and the log is read past it (and maybe past marker 2).
        var position = h.Store.Store.Position;
        Assert.Equal((1L, 2L, 2L), (position.Epoch, position.Seq, position.ResumeSeq));
        Assert.InRange(position.ResumeOffset, 3, 4);
    }

    [Fact]
    public async Task CommitAsync_GroupOfDuplicatesOnly_PublishesNothing()
    {
        await using var h = new CommitLoopHarness(replicated: true);
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        h.Start();
        await h.Events.AckedAsync(a, 1);

        await h.DeliverAsync(a, 2, "tx-1", redelivered: true);
        await h.Events.AckedAsync(a, 2);

        Assert.Equal(["log@A marker 1", "log@A group 1/1"], h.Trace("log"));
        Assert.Equal(1, h.Counters.Duplicates);
    }

    [Fact]
    public async Task CommitAsync_ANewerMarkerInTheLog_FencesThePrimaryWhichAbandonsItsSession()
    {
        await using var h = new CommitLoopHarness(replicated: true);
        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        h.Start();
        await h.Events.AckedAsync(a, 1);

        // Another worker became active (this one is paused, as far as the broker knows) and claimed epoch 2.
        h.Log.Append(new LogRecord(LogRecordKind.Marker, 2, 1, 0, 1, h.Store.Store.StoreId, "other", Guid.NewGuid(), null));

        await h.Events.WaitForAsync(e => e.Action == "abandon");
        Assert.False(a.IsOpen);
        Assert.Equal("replica", h.Health.Role);
    }

    [Fact]
    public async Task CommitAsync_LogHasAnotherPrimarysGroups_TakeoverAppliesThemFirstAndContinuesTheirSeq()
    {
        await using var h = new CommitLoopHarness(replicated: true);
        var store = h.Store.Store.StoreId;
        var other = new StoreChanges();
        // A group that commits nothing: one refusal recorded in the inbox.
        other.RecordReply("tx-0", new InboxEntry(TempStore.Start.ToUnixTimeMilliseconds(),
            Contracts.WireFormat.Serialize(Contracts.CommitReply.Rejected("tx-0", Contracts.ErrorCode.Conflict, "no")), "default"));
        h.Log.Append(new LogRecord(LogRecordKind.Marker, 1, 0, 0, 0, store, "other", Guid.NewGuid(), null));
        h.Log.Append(new LogRecord(LogRecordKind.Group, 1, 1, 1, 0, store, "other", Guid.Empty, other.Items));

        var a = h.Session("A");
        await h.DeliverAsync(a, 1, "tx-1");
        h.Start();
        await h.Events.AckedAsync(a, 1);

        // A marker published before the follower read epoch 1 is void (epoch 1 again); the worker then tries epoch 2.
        var logged = h.Trace("log");
        Assert.Equal(["log@A marker 2", "log@A group 2/2"], logged.TakeLast(2));
        Assert.All(logged.SkipLast(2), e => Assert.Equal("log@A marker 1", e));
        // Written by this worker as primary: its group 2 of epoch 2, the log read up to its own marker (after any void ones).
        var position = h.Store.Store.Position;
        Assert.Equal((2L, 2L, 2L, 1L), (position.Epoch, position.Seq, position.ResumeEpoch, position.ResumeSeq));
        Assert.Equal(h.Log.Records.Count - 1, position.ResumeOffset);
    }

    [Fact]
    public async Task CommitAsync_PrimaryLostAfterItsRecordWasConfirmed_ReplicaTakesOverAndAnswersTheRedeliveryFromTheInbox()
    {
        await using var primary = new CommitLoopHarness(replicated: true);
        await using var replica = new CommitLoopHarness(replicated: true, log: primary.Log);
        var a = primary.Session("A");
        var b = replica.Session("B");
        await primary.DeliverAsync(a, 1, "tx-1");
        primary.Start();
        replica.Start();
        await primary.Events.AckedAsync(a, 1);

        // tx-2 is in the log and in the primary's store, but its reply and ack never happen: the primary dies there.
        a.ReplyGate = new TaskCompletionSource();
        await primary.DeliverAsync(a, 2, "tx-2");
        await primary.Events.WaitForAsync(e => e is { Action: "write", Id: "tx-2" });
        a.Close();

        // The broker makes the replica's session active and redelivers tx-2 there.
        await replica.DeliverAsync(b, 1, "tx-2", redelivered: true);
        await replica.Events.AckedAsync(b, 1);

        Assert.Equal(["log@B marker 2"], ValidLog(replica));
        Assert.Equal(["reply@B tx-2", "ack@B 1+"], replica.Trace().Where(e => e.StartsWith("reply", StringComparison.Ordinal) || e.StartsWith("ack", StringComparison.Ordinal)));
        Assert.Equal(1, replica.Counters.Duplicates);
        Assert.Equal((1L, 2L), (replica.Store.Get("agent", "tx-1").CommitTs, replica.Store.Get("agent", "tx-2").CommitTs));
        Assert.Equal(2, replica.Store.Store.LastCommitTs);
        a.ReplyGate.SetResult();
    }

    /// <summary>
    /// The log publishes without the void markers: a new session that takes over before its follower read the last marker
    /// publishes one of the same epoch first (void, and it tries one higher), which is timing, not behaviour.
    /// </summary>
    private static List<string> ValidLog(CommitLoopHarness h)
    {
        var valid = new List<string>();
        long epoch = 0;
        foreach (var e in h.Events.All.Where(e => e.Action == "log"))
        {
            if (e.Id!.StartsWith("marker ", StringComparison.Ordinal))
            {
                var markerEpoch = long.Parse(e.Id["marker ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                if (markerEpoch <= epoch)
                {
                    continue;
                }

                epoch = markerEpoch;
            }

            valid.Add(e.ToString());
        }

        return valid;
    }
}
