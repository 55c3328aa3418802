using MessagePack;
using Statehouse.Contracts;

namespace Statehouse.Testing.Fuzz;

/// <summary>
/// Seeded generator of commit message bodies: valid transactions mixed with random bytes, truncations, bit flips,
/// type swaps, huge length headers and well-formed envelopes with bad fields. Every body says what it is, and
/// <see cref="Oracle"/> decides independently of the worker's validator whether a body is a valid transaction.
/// Shared by the engine-level fuzz test and the broker-level one (Reliability.Tests).
/// Valid envelopes carry <paramref name="deadline"/>, which must lie within the worker's inbox retention of the test's now.
/// </summary>
public sealed class EnvelopeFuzzer(int seed, DateTimeOffset deadline)
{
    /// <summary>The worker's default <c>Statehouse:Commit:InboxRetention</c>: the furthest ahead a deadline may lie.</summary>
    private static readonly TimeSpan s_inboxRetention = TimeSpan.FromDays(7);

    private readonly long _deadlineUnixMs = deadline.ToUnixTimeMilliseconds();
    private readonly Random _random = new(seed);
    private int _sequence;

    public enum Kind
    {
        Valid,
        RandomBytes,
        Truncated,
        BitFlipped,
        TypeSwapped,
        HugeLength,
        BadField,
    }

    public sealed record Item(Kind Kind, byte[] Body, string? TxnId);

    public Item Next()
    {
        var roll = _random.Next(100);
        return roll switch
        {
            < 30 => Valid(),
            < 40 => new Item(Kind.RandomBytes, RandomBytes(_random.Next(0, 300)), null),
            < 52 => Truncate(Valid().Body),
            < 70 => Flip(Valid()),
            < 78 => TypeSwap(),
            < 84 => HugeLength(),
            _ => BadField(),
        };
    }

    /// <summary>
    /// Whether <paramref name="body"/> is a transaction the worker must commit: decodes as an envelope of the current
    /// schema with a usable txn_id and namespace, 1..1000 operations of known kinds, non-empty agents and keys of sane
    /// length, writes carrying exactly one MessagePack value, at least one write or delete, no contradicting expectations,
    /// and a deadline neither missing, past, nor further ahead than the inbox retention. Written apart from the worker's
    /// own validator on purpose.
    /// </summary>
    public static bool Oracle(byte[] body, DateTimeOffset now, out CommitEnvelope? envelope)
    {
        envelope = null;
        try
        {
            envelope = MessagePackSerializer.Deserialize<CommitEnvelope>(body, WireFormat.Options);
        }
        catch (MessagePackSerializationException)
        {
            return false;
        }

        var e = envelope;
        static bool Bad(string? name) => name is not null && name.Contains('\uFFFD', StringComparison.Ordinal);
        if (e is not null && (Bad(e.Namespace) || (e.Operations?.Any(o => o is not null && (Bad(o.AgentId) || Bad(o.Key))) ?? false)))
        {
            return false;
        }

        if (e is null || e.SchemaVersion != 1 || UsableTxnId(e) is null
            || string.IsNullOrEmpty(e.Namespace) || System.Text.Encoding.UTF8.GetByteCount(e.Namespace) > 128
            || e.Operations is null || e.Operations.Count is 0 or > 1000
            || e.DeadlineUnixMs < now.ToUnixTimeMilliseconds() || e.DeadlineUnixMs > (now + s_inboxRetention).ToUnixTimeMilliseconds())
        {
            return false;
        }

        var expected = new Dictionary<(string, string), long>();
        var changes = 0;
        foreach (var op in e.Operations)
        {
            if (op is null || string.IsNullOrEmpty(op.AgentId) || string.IsNullOrEmpty(op.Key)
                || System.Text.Encoding.UTF8.GetByteCount(op.AgentId) > 256 || System.Text.Encoding.UTF8.GetByteCount(op.Key) > 1024)
            {
                return false;
            }

            switch (op.Kind)
            {
                case OperationKind.Write when op.Value is { Length: > 0 and <= 1 << 20 } value && IsOneValue(value):
                case OperationKind.Delete:
                    changes++;
                    break;
                case OperationKind.ExpectVersion when op.ExpectedVersion >= 0:
                    if (expected.TryGetValue((op.AgentId, op.Key), out var earlier) && earlier != op.ExpectedVersion)
                    {
                        return false;
                    }

                    expected[(op.AgentId, op.Key)] = op.ExpectedVersion;
                    break;
                default:
                    return false;
            }
        }

        return changes > 0;
    }

    /// <summary>
    /// The txn_id a decoded envelope claims, when the worker can use it (non-empty, at most 128 bytes of UTF-8, no U+FFFD):
    /// the worker records its answer to such a message in the inbox even when it refuses the transaction, so the txn_id
    /// is taken from then on and a later message with it is answered from the inbox, never committed.
    /// </summary>
    public static string? UsableTxnId(CommitEnvelope? envelope) =>
        envelope?.TxnId is { Length: > 0 } id && !id.Contains('\uFFFD', StringComparison.Ordinal)
            && System.Text.Encoding.UTF8.GetByteCount(id) <= 128 ? id : null;

    private static bool IsOneValue(byte[] value)
    {
        try
        {
            var reader = new MessagePackReader(value);
            reader.Skip();
            return reader.End;
        }
        // ArgumentOutOfRangeException: skipping a str/bin/ext whose 32-bit length is 2^31 or more.
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private Item Valid()
    {
        var txnId = $"fuzz-{seed}-{_sequence++}";
        var count = _random.Next(1, 4);
        var operations = Enumerable.Range(0, count)
            .Select(i => Operation.Write($"agent-{_random.Next(8)}", $"{txnId}/{i}", RandomValue()))
            .ToList();
        var envelope = new CommitEnvelope(WireFormat.SchemaVersion, txnId, "fuzz", operations, _deadlineUnixMs);
        return new Item(Kind.Valid, WireFormat.Serialize(envelope), txnId);
    }

    private byte[] RandomValue() => _random.Next(4) switch
    {
        0 => MessagePackSerializer.Serialize(_random.Next()),
        1 => MessagePackSerializer.Serialize(new string('v', _random.Next(1, 200))),
        2 => MessagePackSerializer.Serialize(new Dictionary<string, object> { ["n"] = _random.Next(), ["s"] = "x" }),
        _ => MessagePackSerializer.Serialize(RandomBytes(_random.Next(1, 100))),
    };

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private Item Truncate(byte[] body) => new(Kind.Truncated, body[.._random.Next(0, body.Length)], null);

    private Item Flip(Item valid)
    {
        var body = (byte[])valid.Body.Clone();
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            body[_random.Next(body.Length)] ^= (byte)(1 << _random.Next(8));
        }

        return new Item(Kind.BitFlipped, body, null);
    }

    private Item TypeSwap()
    {
        // The envelope's array with one field of the wrong MessagePack type.
        object?[] fields = [WireFormat.SchemaVersion, $"swap-{_sequence++}", "fuzz", new object[] { new object[] { 1, "a", "k", new byte[] { 1 }, 0 } }, 0];
        var index = _random.Next(fields.Length);
        fields[index] = index switch
        {
            0 => "one",
            1 => 12345,
            2 => new[] { 1, 2 },
            3 => "not a list",
            _ => "soon",
        };
        return new Item(Kind.TypeSwapped, MessagePackSerializer.Serialize(fields), null);
    }

    private Item HugeLength()
    {
        byte[][] headers =
        [
            [0x95, 0x01, 0xDB, 0x7F, 0xFF, 0xFF, 0xFF],   // str32 of 2 GiB for the txn_id
            [0x95, 0x01, 0xA1, 0x74, 0xA1, 0x6E, 0xDD, 0x7F, 0xFF, 0xFF, 0xFF], // array32 of 2^31 operations
            [0xDF, 0xFF, 0xFF, 0xFF, 0xFF],               // map32 with 4G entries
            [0x95, 0x01, 0xA1, 0x74, 0xA1, 0x6E, 0x91, 0x95, 0x01, 0xA1, 0x61, 0xA1, 0x6B, 0xC6, 0x7F, 0xFF, 0xFF, 0xFF], // bin32 value of 2 GiB
        ];
        return new Item(Kind.HugeLength, headers[_random.Next(headers.Length)], null);
    }

    private Item BadField()
    {
        var txnId = $"bad-{seed}-{_sequence++}";
        var good = Operation.Write("agent", txnId, MessagePackSerializer.Serialize(1));
        var envelope = _random.Next(11) switch
        {
            0 => new CommitEnvelope(99, txnId, "fuzz", [good], _deadlineUnixMs),
            1 => new CommitEnvelope(WireFormat.SchemaVersion, "", "fuzz", [good], _deadlineUnixMs),
            2 => new CommitEnvelope(WireFormat.SchemaVersion, txnId, "", [good], _deadlineUnixMs),
            3 => new CommitEnvelope(WireFormat.SchemaVersion, txnId, "fuzz", [], _deadlineUnixMs),
            4 => new CommitEnvelope(WireFormat.SchemaVersion, txnId, "fuzz", [good with { Key = "" }], _deadlineUnixMs),
            5 => new CommitEnvelope(WireFormat.SchemaVersion, txnId, "fuzz", [good with { Key = new string('k', 2000) }], _deadlineUnixMs),
            6 => new CommitEnvelope(WireFormat.SchemaVersion, txnId, "fuzz", [good with { Value = [0x92, 0x01] }], _deadlineUnixMs),
            7 => new CommitEnvelope(WireFormat.SchemaVersion, txnId, "fuzz", [good with { Kind = (OperationKind)7 }], _deadlineUnixMs),
            8 => new CommitEnvelope(WireFormat.SchemaVersion, txnId, "fuzz", [good], DeadlineUnixMs: 1),
            9 => new CommitEnvelope(WireFormat.SchemaVersion, txnId, "fuzz", [good], DeadlineUnixMs: 0),
            _ => new CommitEnvelope(WireFormat.SchemaVersion, txnId, "fuzz", [good], DeadlineUnixMs: _deadlineUnixMs + (long)s_inboxRetention.TotalMilliseconds),
        };
        return new Item(Kind.BadField, WireFormat.Serialize(envelope), txnId);
    }
}
