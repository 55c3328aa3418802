using Statehouse.Contracts;

namespace Statehouse.Contracts.Tests;

/// <summary>
/// Pins the exact bytes of one envelope and one reply. A change to these bytes is a BREAKING WIRE-FORMAT CHANGE:
/// deployed clients and workers (and every stored inbox reply) would no longer understand each other. Such a change
/// needs a new <see cref="WireFormat.SchemaVersion"/> and a migration plan, not an edit of the expected hex.
/// </summary>
public sealed class WireFormatGoldenBytesTests
{
    // Array of 5: schema 1, "txn-0001", "bank", 3 operations (each an array of 5: kind, agent, key, value bin|nil,
    // expected version), deadline as uint64.
    private const string EnvelopeHex =
        "95" + "01" + "A874786E2D30303031" + "A462616E6B" + "93"
        + "9501A76167656E742D31A96163636F756E743A41C40A81A762616C616E63653200"
        + "9502A76167656E742D31A36F6C64C000"
        + "9503A76167656E742D32A96163636F756E743A42C003"
        + "CF000001977420DC00";

    // Array of 7: "txn-0001", status 1 (committed), commit_ts 42, 2 versions (each an array of 3), error code 0,
    // error message nil, conflicts nil.
    private const string ReplyHex =
        "97" + "A874786E2D30303031" + "01" + "2A" + "92"
        + "93A76167656E742D31A96163636F756E743A4101"
        + "93A76167656E742D31A36F6C6404"
        + "00" + "C0" + "C0";

    private static CommitEnvelope GoldenEnvelope() => new(
        SchemaVersion: 1,
        TxnId: "txn-0001",
        Namespace: "bank",
        Operations:
        [
            Operation.Write("agent-1", "account:A", [0x81, 0xA7, (byte)'b', (byte)'a', (byte)'l', (byte)'a', (byte)'n', (byte)'c', (byte)'e', 0x32]),
            Operation.Delete("agent-1", "old"),
            Operation.Expect("agent-2", "account:B", 3),
        ],
        DeadlineUnixMs: 1_750_000_000_000);

    private static CommitReply GoldenReply() => new(
        TxnId: "txn-0001",
        Status: CommitStatus.Committed,
        CommitTs: 42,
        Versions: [new RecordVersion("agent-1", "account:A", 1), new RecordVersion("agent-1", "old", 4)]);

    [Fact]
    public void Serialize_GoldenEnvelope_MatchesPinnedBytes()
    {
        Assert.Equal(EnvelopeHex, Convert.ToHexString(WireFormat.Serialize(GoldenEnvelope())));
    }

    [Fact]
    public void Serialize_GoldenReply_MatchesPinnedBytes()
    {
        Assert.Equal(ReplyHex, Convert.ToHexString(WireFormat.Serialize(GoldenReply())));
    }

    [Fact]
    public void Deserialize_PinnedEnvelopeBytes_ReturnsGoldenEnvelope()
    {
        var envelope = WireFormat.Deserialize<CommitEnvelope>(Convert.FromHexString(EnvelopeHex));

        Assert.Equivalent(GoldenEnvelope(), envelope, strict: true);
    }

    [Fact]
    public void Deserialize_PinnedReplyBytes_ReturnsGoldenReply()
    {
        var reply = WireFormat.Deserialize<CommitReply>(Convert.FromHexString(ReplyHex));

        Assert.Equivalent(GoldenReply(), reply, strict: true);
    }
}
