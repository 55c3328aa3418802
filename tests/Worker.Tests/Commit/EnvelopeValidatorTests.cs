using MessagePack;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Commit;

public class EnvelopeValidatorTests
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.UnixEpoch.AddYears(56);
    private static readonly TimeSpan s_retention = TimeSpan.FromDays(7);
    private readonly EnvelopeValidator _validator = new(new LimitOptions { MaxOperations = 3, MaxKeyBytes = 8, MaxValueBytes = 64 }, s_retention);

    public static TheoryData<string, CommitEnvelope, ErrorCode> BadEnvelopes => new()
    {
        { "schema", Envelope(Operation.Write("a", "k", Value(1))) with { SchemaVersion = 2 }, ErrorCode.InvalidRequest },
        { "txn id", EnvelopeWithId("", Operation.Write("a", "k", Value(1))), ErrorCode.InvalidRequest },
        { "namespace", Envelope(Operation.Write("a", "k", Value(1))) with { Namespace = "" }, ErrorCode.InvalidRequest },
        { "no ops", Envelope(), ErrorCode.InvalidRequest },
        { "too many ops", Envelope([.. Enumerable.Range(0, 4).Select(i => Operation.Write("a", $"k{i}", Value(i)))]), ErrorCode.InvalidRequest },
        { "empty key", Envelope(Operation.Write("a", "", Value(1))), ErrorCode.InvalidRequest },
        { "long key", Envelope(Operation.Write("a", "123456789", Value(1))), ErrorCode.InvalidRequest },
        { "empty agent", Envelope(Operation.Write("", "k", Value(1))), ErrorCode.InvalidRequest },
        { "replacement char in key", Envelope(Operation.Write("a", "k\uFFFD", Value(1))), ErrorCode.InvalidRequest },
        { "replacement char in agent", Envelope(Operation.Write("a\uFFFD", "k", Value(1))), ErrorCode.InvalidRequest },
        { "replacement char in namespace", Envelope(Operation.Write("a", "k", Value(1))) with { Namespace = "n\uFFFD" }, ErrorCode.InvalidRequest },
        { "replacement char in txn id", EnvelopeWithId("t\uFFFD", Operation.Write("a", "k", Value(1))), ErrorCode.InvalidRequest },
        { "no value", Envelope(Operation.Write("a", "k", [])), ErrorCode.InvalidRequest },
        { "big value", Envelope(Operation.Write("a", "k", Value(new string('x', 100)))), ErrorCode.PayloadTooLarge },
        { "bad value", Envelope(Operation.Write("a", "k", [0x92, 0x01])), ErrorCode.InvalidRequest },
        { "two values", Envelope(Operation.Write("a", "k", [0x01, 0x02])), ErrorCode.InvalidRequest },
        { "unknown kind", Envelope(new Operation((OperationKind)9, "a", "k")), ErrorCode.InvalidRequest },
        { "expect only", Envelope(Operation.Expect("a", "k", 1)), ErrorCode.InvalidRequest },
        { "contradicting expects", Envelope(Operation.Expect("a", "k", 1), Operation.Expect("a", "k", 2), Operation.Delete("a", "k")), ErrorCode.InvalidRequest },
        { "negative expect", Envelope(Operation.Expect("a", "k", -1), Operation.Delete("a", "k")), ErrorCode.InvalidRequest },
        { "fork into itself", Envelope(Operation.Fork("a", "a", 1)), ErrorCode.InvalidRequest },
        { "fork at 0", Envelope(Operation.Fork("b", "a", 0)), ErrorCode.InvalidRequest },
        { "fork without source", Envelope(Operation.Fork("b", "", 1)), ErrorCode.InvalidRequest },
        { "fork with a value", Envelope(Operation.Fork("b", "a", 1) with { Value = Value(1) }), ErrorCode.InvalidRequest },
        { "two forks", Envelope(Operation.Fork("b", "a", 1), Operation.Fork("c", "a", 1)), ErrorCode.InvalidRequest },
        { "write beside a fork", Envelope(Operation.Fork("b", "a", 1), Operation.Write("b", "k", Value(1))), ErrorCode.InvalidRequest },
        { "expect on another agent beside a fork", Envelope(Operation.Expect("a", "k", 1), Operation.Fork("b", "a", 1)), ErrorCode.InvalidRequest },
        { "expect absence beside a fork", Envelope(Operation.Expect("b", "k", 0), Operation.Fork("b", "a", 1)), ErrorCode.InvalidRequest },
        { "expired", Envelope(Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = s_now.AddMilliseconds(-1).ToUnixTimeMilliseconds() }, ErrorCode.TxnExpired },
        { "no deadline", Envelope(Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = 0 }, ErrorCode.InvalidRequest },
        { "negative deadline", Envelope(Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = -5 }, ErrorCode.InvalidRequest },
        { "deadline beyond retention", Envelope(Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = s_now.Add(s_retention).AddMilliseconds(1).ToUnixTimeMilliseconds() }, ErrorCode.InvalidRequest },
        { "deadline beyond year 9999", Envelope(Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = long.MaxValue }, ErrorCode.InvalidRequest },
    };

    [Theory]
    [MemberData(nameof(BadEnvelopes))]
    public void Validate_BadEnvelope_ReturnsCode(string name, CommitEnvelope envelope, ErrorCode expected)
    {
        var failure = _validator.Validate(envelope, s_now);

        Assert.True(failure is not null, name);
        Assert.Equal(expected, failure.Code);
    }

    [Fact]
    public void Validate_ForkWithExpectedVersionsOfItsTarget_IsValid()
    {
        var envelope = Envelope(Operation.Expect("target-agent", "k", 2), Operation.Fork("target-agent", "source-agent-longer-than-a-key", 7));

        Assert.Null(_validator.Validate(envelope, s_now));
    }

    [Fact]
    public void Validate_DeadlineBeyondRetention_NamesBothFigures()
    {
        var envelope = Envelope(Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = s_now.AddDays(8).ToUnixTimeMilliseconds() };

        var failure = _validator.Validate(envelope, s_now);

        Assert.NotNull(failure);
        Assert.Contains("8.00:00:00 ahead", failure.Message, StringComparison.Ordinal);
        Assert.Contains("7.00:00:00", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Statehouse:Commit:InboxRetention", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DeadlineExactlyRetentionAhead_ReturnsNull()
    {
        var envelope = Envelope(Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = s_now.Add(s_retention).ToUnixTimeMilliseconds() };

        Assert.Null(_validator.Validate(envelope, s_now));
    }

    [Fact]
    public void Validate_GoodEnvelope_ReturnsNull()
    {
        var envelope = Envelope(Operation.Expect("a", "k", 0), Operation.Write("a", "k", Value(new Dictionary<string, object> { ["x"] = 1 })), Operation.Delete("a", "\0/:é")) with
        {
            DeadlineUnixMs = s_now.AddSeconds(1).ToUnixTimeMilliseconds(),
        };

        Assert.Null(_validator.Validate(envelope, s_now));
    }

    [Fact]
    public void IsSingleMessagePackValue_DeeplyNestedHostileInput_ReturnsWithoutStackOverflow()
    {
        var nested = Enumerable.Repeat((byte)0x91, 1_000_000).Append((byte)0x01).ToArray();
        var truncated = Enumerable.Repeat((byte)0x91, 1_000_000).ToArray();
        var hugeHeader = new byte[] { 0xDD, 0xFF, 0xFF, 0xFF, 0xFF };

        Assert.True(EnvelopeValidator.IsSingleMessagePackValue(nested));
        Assert.False(EnvelopeValidator.IsSingleMessagePackValue(truncated));
        Assert.False(EnvelopeValidator.IsSingleMessagePackValue(hugeHeader));
        // Lengths of 2^31 and more: MessagePackReader's skip throws ArgumentOutOfRangeException for these.
        Assert.False(EnvelopeValidator.IsSingleMessagePackValue([0xDB, 0xFF, 0xFF, 0xFF, 0xFF]));
        Assert.False(EnvelopeValidator.IsSingleMessagePackValue([0xC6, 0x80, 0x00, 0x00, 0x00]));
        Assert.False(EnvelopeValidator.IsSingleMessagePackValue([0xC9, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]));
        Assert.True(EnvelopeValidator.IsSingleMessagePackValue(MessagePackSerializer.Serialize(new object?[] { 1, "x", null, new Dictionary<int, byte[]> { [1] = [1] } })));
    }
}
