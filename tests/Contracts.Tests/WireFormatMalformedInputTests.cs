using MessagePack;
using Statehouse.Contracts;

namespace Statehouse.Contracts.Tests;

/// <summary>
/// The worker decodes bytes from anyone who can publish and catches <see cref="MessagePackSerializationException"/>
/// to dead-letter them; any other exception type escaping <see cref="WireFormat.Deserialize{T}"/> would take a
/// different (crash) path. The last tests pin what decoding does NOT reject, which the worker has to validate itself.
/// </summary>
public sealed class WireFormatMalformedInputTests
{
    private static readonly byte[] s_validEnvelope = WireFormat.Serialize(new CommitEnvelope(
        WireFormat.SchemaVersion, "txn-1", "default", [Operation.Write("a", "k", [0x01, 0x02]), Operation.Delete("a", "j")], 5));

    public static TheoryData<string, byte[]> Garbage => new()
    {
        { "empty", [] },
        { "plain text", "hello world"u8.ToArray() },
        { "json", "{\"txn_id\":\"x\"}"u8.ToArray() },
        { "map instead of array", [0x80] },
        { "string instead of array", [0xA3, 0x61, 0x62, 0x63] },
        { "schema version as string", [0x95, 0xA1, 0x31, 0xA1, 0x61, 0xA1, 0x62, 0x90, 0x00] },
        { "array header claiming 2^31 elements", [0xDD, 0x7F, 0xFF, 0xFF, 0xFF] },
        { "string header claiming 2^31 bytes", [0x95, 0x01, 0xDB, 0x7F, 0xFF, 0xFF, 0xFF] },
        { "reserved byte 0xC1", [0xC1] },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Deserialize_GarbageEnvelope_ThrowsMessagePackSerializationException(string name, byte[] bytes)
    {
        var error = Record.Exception(() => WireFormat.Deserialize<CommitEnvelope>(bytes));

        Assert.True(error is MessagePackSerializationException, $"{name}: expected MessagePackSerializationException, got {error?.GetType().Name ?? "no exception"}");
    }

    [Fact]
    public void Deserialize_EnvelopeTruncatedAtEveryLength_ThrowsMessagePackSerializationException()
    {
        AssertEveryPrefixThrows<CommitEnvelope>(s_validEnvelope);
    }

    [Fact]
    public void Deserialize_ReplyTruncatedAtEveryLength_ThrowsMessagePackSerializationException()
    {
        var bytes = WireFormat.Serialize(CommitReply.Rejected("t", ErrorCode.Conflict, "m", [new RecordVersion("a", "k", 2)]));

        AssertEveryPrefixThrows<CommitReply>(bytes);
    }

    [Fact]
    public void Deserialize_ReadMessagesTruncatedAtEveryLength_ThrowsMessagePackSerializationException()
    {
        var request = WireFormat.Serialize(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Replay, "ns", "a", StartTs: 1, EndTs: 9, Limit: 10));
        var reply = WireFormat.Serialize(new ReadReply(
            ErrorCode.None,
            Events: [new CommitEvent("t", 1, "a", [new CommitEventOperation("k", OperationKind.Write, 1, [0x01])])],
            Health: new HealthReport(true, "ok", 1, "0.1.0", 1)));

        AssertEveryPrefixThrows<ReadRequest>(request);
        AssertEveryPrefixThrows<ReadReply>(reply);
    }

    [Fact]
    public void Deserialize_RandomBytes_ThrowsNothingButMessagePackSerializationException()
    {
        var random = new Random(20_240_601);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(2) == 0)
            {
                // Half the inputs start with a fixarray header so decoding gets past the first byte.
                bytes[0] = (byte)(0x90 | random.Next(16));
            }

            var error = Record.Exception(() => WireFormat.Deserialize<CommitEnvelope>(bytes));

            if (error is not null and not MessagePackSerializationException)
            {
                Assert.Fail($"{Convert.ToHexString(bytes)} threw {error.GetType().Name}: {error.Message}");
            }
        }
    }

    [Fact]
    public void Deserialize_Nil_ReturnsNullEnvelope()
    {
        // Decoding is not validation: a lone nil is a valid MessagePack document, so the worker must null-check.
        Assert.Null(WireFormat.Deserialize<CommitEnvelope>(new byte[] { 0xC0 }));
    }

    [Fact]
    public void Deserialize_ArrayMissingFields_LeavesFieldsNull()
    {
        // A short array decodes with defaults for the missing members (null strings and list): the worker must
        // treat these as INVALID_REQUEST rather than dereference them.
        var envelope = WireFormat.Deserialize<CommitEnvelope>(new byte[] { 0x91, 0x01 });

        Assert.Equal(1, envelope.SchemaVersion);
        Assert.Null(envelope.TxnId);
        Assert.Null(envelope.Namespace);
        Assert.Null(envelope.Operations);
    }

    [Fact]
    public void Deserialize_UnknownOperationKindAndNullOperation_AreNotRejected()
    {
        // [1, "a", "b", [[9, "a", "b", nil, 0], nil], 0]
        byte[] bytes =
        [
            0x95, 0x01, 0xA1, 0x61, 0xA1, 0x62,
            0x92, 0x95, 0x09, 0xA1, 0x61, 0xA1, 0x62, 0xC0, 0x00, 0xC0,
            0x00,
        ];

        var envelope = WireFormat.Deserialize<CommitEnvelope>(bytes);

        Assert.Equal((OperationKind)9, envelope.Operations[0].Kind);
        Assert.Null(envelope.Operations[1]);
    }

    [Fact]
    public void Deserialize_TrailingBytes_AreIgnored()
    {
        byte[] bytes = [.. s_validEnvelope, 0xFF, 0xFF];

        var envelope = WireFormat.Deserialize<CommitEnvelope>(bytes);

        Assert.Equal("txn-1", envelope.TxnId);
    }

    private static void AssertEveryPrefixThrows<T>(byte[] message)
    {
        for (var length = 0; length < message.Length; length++)
        {
            var prefix = message[..length];
            Assert.Throws<MessagePackSerializationException>(() => WireFormat.Deserialize<T>(prefix));
        }
    }
}
