using MessagePack;
using Statehouse.Contracts;

namespace Statehouse.Contracts.Tests;

/// <summary>
/// Every contract type survives Serialize → Deserialize unchanged. Records holding lists or byte arrays do not
/// compare by value, so the comparison is structural (<see cref="Assert.Equivalent(object?, object?, bool)"/>).
/// </summary>
public sealed class WireFormatRoundTripTests
{
    private static T RoundTrip<T>(T message) => WireFormat.Deserialize<T>(WireFormat.Serialize(message));

    [Fact]
    public void CommitEnvelope_AllOperationKinds_RoundTrips()
    {
        var envelope = new CommitEnvelope(
            WireFormat.SchemaVersion,
            "txn-1",
            "bank",
            [
                Operation.Write("agent:a", "account:A", [0x81, 0xA7, 0x62, 0x61, 0x6C, 0x61, 0x6E, 0x63, 0x65, 0x32]),
                Operation.Delete("agent:a", "old"),
                Operation.Expect("agent:b", "account:B", 3),
                Operation.Expect("agent:b", "fresh", 0),
            ],
            DeadlineUnixMs: 1_750_000_000_123);

        var copy = RoundTrip(envelope);

        Assert.Equivalent(envelope, copy, strict: true);
        Assert.Equal(OperationKind.Delete, copy.Operations[1].Kind);
        Assert.Null(copy.Operations[1].Value);
        Assert.Equal(3, copy.Operations[2].ExpectedVersion);
    }

    [Fact]
    public void CommitEnvelope_NonAsciiAndSeparatorCharacters_RoundTrip()
    {
        var envelope = new CommitEnvelope(
            WireFormat.SchemaVersion,
            "txn-ü",
            "ns/ß",
            [Operation.Write("b:c", "d\0/:ключ🙂", [0xC0]), Operation.Write("", "", [])]);

        Assert.Equivalent(envelope, RoundTrip(envelope), strict: true);
    }

    [Fact]
    public void CommitEnvelope_DefaultDeadline_RoundTripsAsZero()
    {
        var envelope = new CommitEnvelope(WireFormat.SchemaVersion, "txn-2", "default", []);

        var copy = RoundTrip(envelope);

        Assert.Equal(0, copy.DeadlineUnixMs);
        Assert.Empty(copy.Operations);
    }

    [Fact]
    public void Operation_Standalone_RoundTrips()
    {
        var operation = new Operation(OperationKind.Write, "a", "k", [1, 2, 3], ExpectedVersion: 7);

        Assert.Equivalent(operation, RoundTrip(operation), strict: true);
    }

    [Fact]
    public void CommitReply_Committed_RoundTrips()
    {
        var reply = CommitReply.Committed("txn-1", 42, [new RecordVersion("a", "k1", 1), new RecordVersion("b", "k2", 9)]);

        var copy = RoundTrip(reply);

        Assert.Equivalent(reply, copy, strict: true);
        Assert.Equal(CommitStatus.Committed, copy.Status);
        Assert.Equal(ErrorCode.None, copy.ErrorCode);
        Assert.Null(copy.ErrorMessage);
        Assert.Null(copy.Conflicts);
    }

    [Fact]
    public void CommitReply_RejectedWithConflicts_RoundTrips()
    {
        var reply = CommitReply.Rejected("txn-3", ErrorCode.Conflict, "version mismatch", [new RecordVersion("a", "k", 0)]);

        var copy = RoundTrip(reply);

        Assert.Equivalent(reply, copy, strict: true);
        Assert.Equal(CommitStatus.Rejected, copy.Status);
        Assert.Equal(0, copy.CommitTs);
        Assert.Empty(copy.Versions);
    }

    [Theory]
    [InlineData(ReadKind.Get)]
    [InlineData(ReadKind.GetAtVersion)]
    [InlineData(ReadKind.GetAsOf)]
    [InlineData(ReadKind.ListKeys)]
    [InlineData(ReadKind.ScanPrefix)]
    [InlineData(ReadKind.Replay)]
    [InlineData(ReadKind.Health)]
    [InlineData(ReadKind.Version)]
    public void ReadRequest_EveryKindWithEveryField_RoundTrips(ReadKind kind)
    {
        var request = new ReadRequest(
            WireFormat.SchemaVersion, kind, "ns", "agent", "key", Version: 3, CommitTs: 17, Prefix: "pre",
            AfterKey: "pre:9", Limit: 100, StartTs: 5, EndTs: 50, MinCommitTs: 41);

        Assert.Equal(request, RoundTrip(request));
    }

    [Fact]
    public void ReadRequest_WithoutMinCommitTs_DecodesWithZero()
    {
        // The twelve fields a client sent before min_commit_ts (key 12) existed.
        object?[] older = [WireFormat.SchemaVersion, (int)ReadKind.Get, "ns", "agent", "key", 0L, 0L, "", null, 0, 0L, 0L];

        var request = WireFormat.Deserialize<ReadRequest>(MessagePackSerializer.Serialize(older, WireFormat.Options));

        Assert.Equal(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, "ns", "agent", "key"), request);
        Assert.Equal(0, request.MinCommitTs);
    }

    [Fact]
    public void ReadRequest_WithAFieldFromANewerClient_DecodesTheKnownFields()
    {
        // What a worker that predates a key sees: one more trailing field, which it skips. Here a 14th after min_commit_ts.
        object?[] newer = [WireFormat.SchemaVersion, (int)ReadKind.Get, "ns", "agent", "key", 0L, 0L, "", null, 0, 0L, 0L, 7L, "future"];

        var request = WireFormat.Deserialize<ReadRequest>(MessagePackSerializer.Serialize(newer, WireFormat.Options));

        Assert.Equal(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, "ns", "agent", "key", MinCommitTs: 7), request);
    }

    [Fact]
    public void ReadRequest_Defaults_RoundTrip()
    {
        var request = new ReadRequest(WireFormat.SchemaVersion, ReadKind.Health, "default");

        var copy = RoundTrip(request);

        Assert.Equal(request, copy);
        Assert.Null(copy.AfterKey);
    }

    [Fact]
    public void ReadReply_WithEveryNestedRecord_RoundTrips()
    {
        var reply = new ReadReply(
            ErrorCode.None,
            Record: new StateRecord("k", true, [0x01], 2, 11),
            Keys: ["a", "b"],
            Records: [new StateRecord("a", true, [0xA1, 0x78], 1, 3), new StateRecord("gone", false, null, 4, 12)],
            Events:
            [
                new CommitEvent("txn-9", 12, "agent", [
                    new CommitEventOperation("a", OperationKind.Write, 1, [0xA1, 0x78]),
                    new CommitEventOperation("gone", OperationKind.Delete, 4, null),
                ]),
            ],
            NextKey: "b",
            NextStartTs: 13,
            Health: new HealthReport(true, "ok", 12, "0.1.0", WireFormat.SchemaVersion, "detail"));

        Assert.Equivalent(reply, RoundTrip(reply), strict: true);
    }

    [Fact]
    public void ReadReply_Error_RoundTrips()
    {
        var reply = ReadReply.Error(ErrorCode.VersionNotFound, "no version 9");

        var copy = RoundTrip(reply);

        Assert.Equal(reply, copy);
        Assert.Null(copy.Record);
        Assert.Null(copy.Keys);
        Assert.Null(copy.Events);
        Assert.Equal(0, copy.NextStartTs);
    }

    [Fact]
    public void ReadReply_HistoryPrunedWithHorizon_RoundTrips()
    {
        var reply = new ReadReply(ErrorCode.HistoryPruned, "below the horizon", Horizon: 960_001);

        Assert.Equal(reply, RoundTrip(reply));
    }

    [Fact]
    public void ReadReply_WithoutHorizon_DecodesWithZero()
    {
        // The eleven fields a worker sent before the horizon (key 11) existed.
        object?[] older = [(int)ErrorCode.VersionNotFound, "no version 9", null, null, null, null, null, 0L, null, null, null];

        var reply = WireFormat.Deserialize<ReadReply>(MessagePackSerializer.Serialize(older, WireFormat.Options));

        Assert.Equal(ReadReply.Error(ErrorCode.VersionNotFound, "no version 9"), reply);
        Assert.Equal(0, reply.Horizon);
    }

    [Fact]
    public void StateRecord_Tombstone_RoundTrips()
    {
        var record = new StateRecord("k", false, null, 5, 99);

        Assert.Equal(record, RoundTrip(record));
    }

    [Fact]
    public void CommitEvent_Standalone_RoundTrips()
    {
        var commitEvent = new CommitEvent("t", 1, "a", [new CommitEventOperation("k", OperationKind.Write, 1, [0x2A])]);

        Assert.Equivalent(commitEvent, RoundTrip(commitEvent), strict: true);
    }

    [Fact]
    public void HealthReport_UnhealthyWithoutDetail_RoundTrips()
    {
        var report = new HealthReport(false, "storage-failed", 0, "0.1.0", WireFormat.SchemaVersion);

        Assert.Equal(report, RoundTrip(report));
    }

    [Fact]
    public void RecordVersion_Standalone_RoundTrips()
    {
        var version = new RecordVersion("agent", "key", long.MaxValue);

        Assert.Equal(version, RoundTrip(version));
    }

    [Fact]
    public void Serialize_ValueBytes_AreEmbeddedVerbatim()
    {
        // The worker stores Operation.Value without decoding it, so the envelope must carry it as one bin blob.
        byte[] value = [0x82, 0xA1, 0x61, 0x01, 0xA1, 0x62, 0xC3];
        var bytes = WireFormat.Serialize(Operation.Write("a", "k", value));

        byte[] bin8 = [0xC4, (byte)value.Length, .. value];
        Assert.True(bytes.AsSpan().IndexOf(bin8) >= 0);
    }
}
