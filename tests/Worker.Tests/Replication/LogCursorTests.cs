using Statehouse.Worker.Replication;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Replication;

/// <summary>Every row of the table in docs/replication.md, "Following the log", and the refusals of "Divergence is detected".</summary>
public sealed class LogCursorTests
{
    private static readonly Guid s_store = Guid.NewGuid();

    [Fact]
    public void Read_MarkerOfHigherEpoch_RaisesTheEpochAndIsValid()
    {
        var cursor = new LogCursor(ReplicationPosition.None, 0);
        var id = Guid.NewGuid();

        var verdict = cursor.Read(0, Marker(1, id: id));

        Assert.Equal(LogVerdict.Marker(id, 1, valid: true), verdict);
        Assert.Equal((1L, 1L), (cursor.CurrentEpoch, cursor.NextOffset));
    }

    [Fact]
    public void Read_MarkerOfEpochNotAboveCurrent_IsVoidAndChangesNothing()
    {
        var cursor = new LogCursor(ReplicationPosition.None, 0);
        cursor.Read(0, Marker(2));
        var id = Guid.NewGuid();

        Assert.Equal(LogVerdict.Marker(id, 2, valid: false), cursor.Read(1, Marker(2, id: id)));
        Assert.Equal(LogVerdict.Marker(id, 1, valid: false), cursor.Read(2, Marker(1, id: id)));
        Assert.Equal((2L, 3L), (cursor.CurrentEpoch, cursor.NextOffset));
    }

    [Fact]
    public void Read_GroupOfTheCurrentEpochNextAfterTheStore_IsAppliedAndCountsAsTheStores()
    {
        var cursor = new LogCursor(ReplicationPosition.None, 0);
        cursor.Read(0, Marker(1));

        Assert.Equal(LogVerdict.Apply, cursor.Read(1, Group(1, seq: 1, first: 1, last: 3)));
        Assert.Equal(LogVerdict.Apply, cursor.Read(2, Group(1, seq: 2, first: 4, last: 4)));

        Assert.Equal(new ReplicationPosition(1, 2, 3, 1, 2), cursor.Position);
        Assert.Equal(4, cursor.AppliedLastCommitTs);
    }

    [Fact]
    public void Read_GroupThatCommitsNothing_IsAppliedWithoutMovingTheCommitTs()
    {
        var cursor = Caught(lastCommitTs: 7);

        Assert.Equal(LogVerdict.Apply, cursor.Read(2, Group(1, seq: 2, first: 8, last: 7)));
        Assert.Equal((2L, 7L), (cursor.AppliedSeq, cursor.AppliedLastCommitTs));
    }

    [Fact]
    public void Read_GroupWhoseFirstCommitTsDoesNotFollowTheStore_Refuses()
    {
        var cursor = Caught(lastCommitTs: 7);

        var verdict = cursor.Read(2, Group(1, seq: 2, first: 9, last: 9));

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.Contains("hands out commit_ts 9..9, but this store ends at commit_ts 7 (log offset 2)", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GroupOfAnOlderEpochAfterANewerMarker_IsVoid()
    {
        var cursor = Caught(lastCommitTs: 7);
        cursor.Read(2, Marker(2));

        // The old primary's group 2 reached the log after the new primary's marker.
        Assert.Equal(LogVerdict.Skip, cursor.Read(3, Group(1, seq: 2, first: 8, last: 8)));
        Assert.Equal(LogVerdict.Apply, cursor.Read(4, Group(2, seq: 2, first: 8, last: 9)));
        Assert.Equal(new ReplicationPosition(2, 2, 5, 2, 2), cursor.Position);
    }

    [Fact]
    public void Read_GroupsTheStoreHas_AreSkippedAndTheLastOneChecked()
    {
        // The store applied groups 1 and 2 (epoch 1, commit_ts 5) but saved a resume point before them.
        var cursor = new LogCursor(new ReplicationPosition(1, 2, ResumeOffset: 1, ResumeEpoch: 1, ResumeSeq: 0), 5);

        Assert.Equal(LogVerdict.Skip, cursor.Read(1, Group(1, seq: 1, first: 1, last: 3)));
        Assert.Equal(LogVerdict.Skip, cursor.Read(2, Group(1, seq: 2, first: 4, last: 5)));
        Assert.Equal(LogVerdict.Apply, cursor.Read(3, Group(1, seq: 3, first: 6, last: 6)));
    }

    [Theory]
    [InlineData(2L, 5L)]
    [InlineData(1L, 4L)]
    public void Read_GroupAtTheStoresSeqWithOtherEpochOrCommitTs_Refuses(long epoch, long last)
    {
        // The store's group 2 is of epoch 1; the log's valid group 2 (read under the log's epoch then) differs.
        var cursor = new LogCursor(new ReplicationPosition(1, 2, ResumeOffset: 3, ResumeEpoch: epoch, ResumeSeq: 1), 5);

        var verdict = cursor.Read(3, Group(epoch, seq: 2, first: 4, last: last));

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.StartsWith("this store's group 2 is of epoch 1 and ends at commit_ts 5", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GroupBeyondTheNextSeq_RefusesForMissingRecords()
    {
        var cursor = Caught(lastCommitTs: 7);

        var verdict = cursor.Read(2, Group(1, seq: 3, first: 8, last: 8));

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.StartsWith("group 3 follows group 1: the log lacks records", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CopyOfTheLastGroupResentAfterALeaderChange_IsSkippedOnce()
    {
        // Seen on the 3-node cluster: RabbitMQ resent the unconfirmed publish of group 2 to the stream's new leader, and
        // group 2 landed at offsets 2 and 3.
        var cursor = Caught(lastCommitTs: 7);
        Assert.Equal(LogVerdict.Apply, cursor.Read(2, Group(1, seq: 2, first: 8, last: 9)));

        Assert.Equal(LogVerdict.Skip, cursor.Read(3, Group(1, seq: 2, first: 8, last: 9)));
        Assert.Equal(LogVerdict.Apply, cursor.Read(4, Group(1, seq: 3, first: 10, last: 10)));

        Assert.Equal(new ReplicationPosition(1, 3, 5, 1, 3), cursor.Position);
        Assert.Equal(10, cursor.AppliedLastCommitTs);
    }

    [Fact]
    public void Read_CopyOfAnEarlierGroupOfTheCurrentEpoch_IsSkipped()
    {
        var cursor = Caught(lastCommitTs: 7);
        cursor.Read(2, Group(1, seq: 2, first: 8, last: 9));

        Assert.Equal(LogVerdict.Skip, cursor.Read(3, Group(1, seq: 1, first: 1, last: 7)));
        Assert.Equal((2L, 9L), (cursor.AppliedSeq, cursor.AppliedLastCommitTs));
    }

    [Fact]
    public void Read_CopyOfTheStoresLastGroupAfterARestart_IsSkipped()
    {
        // The store applied group 2 (ending at commit_ts 5) and stopped; the copy comes first on the next start.
        var cursor = new LogCursor(new ReplicationPosition(1, 2, ResumeOffset: 3, ResumeEpoch: 1, ResumeSeq: 2), 5);

        Assert.Equal(LogVerdict.Skip, cursor.Read(3, Group(1, seq: 2, first: 4, last: 5)));
        Assert.Equal(LogVerdict.Apply, cursor.Read(4, Group(1, seq: 3, first: 6, last: 6)));
    }

    [Fact]
    public void Read_CopyOfAGroupWithOtherCommitTs_Refuses()
    {
        var cursor = Caught(lastCommitTs: 7);
        cursor.Read(2, Group(1, seq: 2, first: 8, last: 9));

        var verdict = cursor.Read(3, Group(1, seq: 2, first: 8, last: 10));

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.StartsWith("group 2 of epoch 1 is in the log twice with different contents: commit_ts 8..9, then 8..10", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PrimaryModeCopyOfItsOwnGroup_IsSkipped()
    {
        var cursor = Caught(lastCommitTs: 7);
        cursor.BecomePrimary();
        var group = Group(1, seq: 2, first: 8, last: 9);
        Assert.Equal(LogVerdict.Ahead, cursor.Read(2, group));
        cursor.StoreAdvanced(1, 2, 9);
        Assert.Equal(LogVerdict.Skip, cursor.Read(2, group));

        Assert.Equal(LogVerdict.Skip, cursor.Read(3, group));
        Assert.Equal(new ReplicationPosition(1, 2, 4, 1, 2), cursor.Position);
    }

    [Fact]
    public void Read_StoreBehindTheLastValidSeq_RefusesForMissingRecords()
    {
        // A store at group 1 whose saved resume point claims group 2 was read: the records between are not in it.
        var cursor = new LogCursor(new ReplicationPosition(1, 1, ResumeOffset: 5, ResumeEpoch: 1, ResumeSeq: 2), 3);

        var verdict = cursor.Read(5, Group(1, seq: 3, first: 4, last: 4));

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.StartsWith("group 3 is next in the log, but this store ends at group 1", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GroupOfAnEpochWithoutItsMarker_Refuses()
    {
        var cursor = Caught(lastCommitTs: 7);

        Assert.Equal(LogStep.Refuse, cursor.Read(2, Group(3, seq: 2, first: 8, last: 8)).Step);
    }

    [Fact]
    public void Read_MarkerAfterTheStoresLastGroupWasVoided_RefusesTheVoidedStore()
    {
        // An old primary (epoch 1) stored group 3 after its confirm; the new primary's marker (epoch 2) came before that record.
        var cursor = new LogCursor(new ReplicationPosition(1, 3, ResumeOffset: 4, ResumeEpoch: 1, ResumeSeq: 2), 9);

        var verdict = cursor.Read(4, Marker(2));

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.StartsWith("this store holds group 3 of epoch 1, which the log voided: the marker of epoch 2 came after group 2",
            verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MarkerAfterTheStoresLastGroup_IsValid()
    {
        var cursor = new LogCursor(new ReplicationPosition(1, 3, ResumeOffset: 4, ResumeEpoch: 1, ResumeSeq: 2), 9);

        Assert.Equal(LogVerdict.Skip, cursor.Read(4, Group(1, seq: 3, first: 8, last: 9)));
        Assert.True(cursor.Read(5, Marker(2)).MarkerValid);
    }

    [Theory]
    [InlineData(0L, 4L, "the log starts at offset 4: its first records were removed")]
    [InlineData(10L, 12L, "the log no longer holds offset 10, where this store stopped reading (it starts at 12")]
    public void Read_FirstRecordAfterTheStartOffset_RefusesATrimmedLog(long start, long first, string reason)
    {
        var cursor = new LogCursor(start == 0 ? ReplicationPosition.None : new ReplicationPosition(1, 1, start, 1, 1), 1);

        var verdict = cursor.Read(first, Marker(2));

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.StartsWith(reason, verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RecordsBeforeTheStartOffset_AreSkippedUnread()
    {
        var cursor = new LogCursor(new ReplicationPosition(1, 1, ResumeOffset: 3, ResumeEpoch: 1, ResumeSeq: 1), 2);

        // The broker started at the beginning of the chunk: these records are in the store already.
        Assert.Equal(LogVerdict.Skip, cursor.Read(1, Group(1, seq: 1, first: 1, last: 2)));
        Assert.Equal(LogVerdict.Skip, cursor.Read(2, Marker(1)));
        Assert.Equal(LogVerdict.Apply, cursor.Read(3, Group(1, seq: 2, first: 3, last: 3)));
        Assert.Equal(1, cursor.CurrentEpoch);
    }

    [Fact]
    public void Read_VoidGroupBeforeTheStartOffset_IsSkippedUnread()
    {
        // An old primary's group that reached the log after the marker of epoch 2: void when this store read it.
        var cursor = new LogCursor(new ReplicationPosition(2, 7, ResumeOffset: 12, ResumeEpoch: 2, ResumeSeq: 7), 9);

        Assert.Equal(LogVerdict.Skip, cursor.Read(11, Group(1, seq: 8, first: 10, last: 10)));
        Assert.Equal(LogVerdict.Apply, cursor.Read(12, Group(2, seq: 8, first: 10, last: 10)));
    }

    [Theory]
    [InlineData(true, 3L, 0L)]
    [InlineData(false, 2L, 8L)]
    public void Read_RecordBeyondTheResumePointBeforeTheStartOffset_RefusesALogDeclaredAgain(bool marker, long epoch, long seq)
    {
        // The stream was deleted and declared again: its offsets start over below where this store stopped reading.
        var cursor = new LogCursor(new ReplicationPosition(2, 7, ResumeOffset: 120, ResumeEpoch: 2, ResumeSeq: 7), 9);
        var record = marker ? Marker(epoch, seq: 7, lastCommitTs: 9) : Group(epoch, seq, first: 10, last: 10);

        var verdict = cursor.Read(0, record);

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.Contains("before this store's resume offset 120", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("deleted and declared again", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, 5L, "the log starts after this store's history: its first marker was published at commit_ts 5, this store ends at 0")]
    [InlineData(9L, 5L, "this store holds commits the log does not: it ends at commit_ts 9, the log's first marker was published at 5")]
    public void Read_FirstMarkerOfTheLogWithAnotherBase_Refuses(long storeLastCommitTs, long markerLastCommitTs, string reason)
    {
        var cursor = new LogCursor(ReplicationPosition.None, storeLastCommitTs);

        var verdict = cursor.Read(0, Marker(1, lastCommitTs: markerLastCommitTs));

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.StartsWith(reason, verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyStoreAndALogWithABase_RefusesNamingTheBackupRepair()
    {
        // Replication turned on for a deployment with data: re-seeding the store empty again would be refused again.
        var cursor = new LogCursor(ReplicationPosition.None, 0);

        var verdict = cursor.Read(0, Marker(1, lastCommitTs: 3));

        Assert.Equal(LogStep.Refuse, verdict.Step);
        Assert.Contains("seed it from a backup taken after that marker (statehouse reseed --from-backup DIR)", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_StoreWithCommitsBeforeReplicationAtTheLogsBase_CatchesUp()
    {
        var cursor = new LogCursor(ReplicationPosition.None, 5);

        Assert.True(cursor.Read(0, Marker(1, lastCommitTs: 5)).MarkerValid);
        Assert.Equal(LogVerdict.Apply, cursor.Read(1, Group(1, seq: 1, first: 6, last: 6)));
    }

    [Fact]
    public void Read_PrimaryModeGroupTheStoreIsWriting_IsAheadUntilTheStoreAdvanced()
    {
        var cursor = Caught(lastCommitTs: 7);
        cursor.BecomePrimary();
        var position = cursor.Position;
        var group = Group(1, seq: 2, first: 8, last: 9);

        Assert.Equal(LogVerdict.Ahead, cursor.Read(2, group));
        Assert.Equal(position, cursor.Position);

        cursor.StoreAdvanced(1, 2, 9);
        Assert.Equal(LogVerdict.Skip, cursor.Read(2, group));
        Assert.Equal(new ReplicationPosition(1, 2, 3, 1, 2), cursor.Position);
    }

    /// <summary>A cursor that read marker 1 at offset 0 and applied group 1 at offset 1, ending at <paramref name="lastCommitTs"/>.</summary>
    private static LogCursor Caught(long lastCommitTs)
    {
        var cursor = new LogCursor(ReplicationPosition.None, 0);
        Assert.True(cursor.Read(0, Marker(1)).MarkerValid);
        Assert.Equal(LogVerdict.Apply, cursor.Read(1, Group(1, seq: 1, first: 1, last: lastCommitTs)));
        return cursor;
    }

    private static LogRecord Marker(long epoch, long seq = 0, long lastCommitTs = 0, Guid id = default) =>
        new(LogRecordKind.Marker, epoch, seq, 0, lastCommitTs, s_store, "test", id == default ? Guid.NewGuid() : id, null);

    private static LogRecord Group(long epoch, long seq, long first, long last) =>
        new(LogRecordKind.Group, epoch, seq, first, last, s_store, "test", Guid.Empty, []);
}
