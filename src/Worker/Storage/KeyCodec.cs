using System.Buffers.Binary;
using System.Text;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Order-preserving, collision-free key encoding. Every string component is UTF-8 with each 0x00 byte written as
/// 0x00 0xFF and terminated by 0x00 0x01, so no encoded component is a prefix of another and bytewise order of
/// encoded keys equals bytewise (ordinal UTF-8) order of the components. Integers are big-endian so they sort
/// numerically. An agent's keys therefore form one contiguous range that ends exactly at the agent boundary.
/// </summary>
internal static class KeyCodec
{
    private const byte Escape = 0x00;
    private const byte EscapedZero = 0xFF;
    private const byte Terminator = 0x01;

    /// <summary><c>ns ‖ agent</c>: the prefix of every state, history and agent_log key of one agent.</summary>
    public static byte[] AgentPrefix(string ns, string agentId)
    {
        var key = new byte[ComponentLength(ns) + ComponentLength(agentId)];
        var at = WriteComponent(key, 0, ns);
        WriteComponent(key, at, agentId);
        return key;
    }

    /// <summary><c>ns</c>: the prefix of every state, history and agent_log key of one namespace (and of its history horizon's meta key).</summary>
    public static byte[] NamespacePrefix(string ns)
    {
        var key = new byte[ComponentLength(ns)];
        WriteComponent(key, 0, ns);
        return key;
    }

    /// <summary>Prefix of every state key of a namespace whose agent id starts with <paramref name="agentPrefix"/> (no terminator).</summary>
    public static byte[] AgentIdPrefix(string ns, string agentPrefix)
    {
        var key = new byte[ComponentLength(ns) + ComponentLength(agentPrefix) - 2];
        var at = WriteComponent(key, 0, ns);
        WriteEscaped(key, at, agentPrefix);
        return key;
    }

    /// <summary>The namespace (first component) of a state, history or agent_log key.</summary>
    public static string DecodeNamespace(ReadOnlySpan<byte> key) => DecodeKey(key, 0);

    /// <summary><c>ns ‖ agent ‖ key</c>: a record's identity, the key of the state column family.</summary>
    public static byte[] StateKey(string ns, string agentId, string key)
    {
        // Built for every operation of every commit: one exact-size array, no intermediate buffers.
        var stateKey = new byte[ComponentLength(ns) + ComponentLength(agentId) + ComponentLength(key)];
        var at = WriteComponent(stateKey, 0, ns);
        at = WriteComponent(stateKey, at, agentId);
        WriteComponent(stateKey, at, key);
        return stateKey;
    }

    /// <summary>Prefix of every state key of an agent whose key starts with <paramref name="keyPrefix"/> (no terminator).</summary>
    public static byte[] KeyPrefix(string ns, string agentId, string keyPrefix)
    {
        var key = new byte[ComponentLength(ns) + ComponentLength(agentId) + ComponentLength(keyPrefix) - 2];
        var at = WriteComponent(key, 0, ns);
        at = WriteComponent(key, at, agentId);
        WriteEscaped(key, at, keyPrefix);
        return key;
    }

    /// <summary><c>identity ‖ version</c>: the key of the history column family.</summary>
    public static byte[] HistoryKey(byte[] stateKey, long version) => AppendInt64(stateKey, version);

    /// <summary><c>agent prefix ‖ commit_ts</c>: the key of the agent_log column family.</summary>
    public static byte[] AgentLogKey(byte[] agentPrefix, long commitTs) => AppendInt64(agentPrefix, commitTs);

    /// <summary><c>commit_ts</c> big-endian: the key of the log column family.</summary>
    public static byte[] LogKey(long commitTs)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(key, commitTs);
        return key;
    }

    /// <summary><c>txn_id</c> as UTF-8: the key of the inbox column family.</summary>
    public static byte[] InboxKey(string txnId) => Encoding.UTF8.GetBytes(txnId);

    /// <summary>The txn_id of an inbox key.</summary>
    public static string DecodeTxnId(ReadOnlySpan<byte> inboxKey) => Encoding.UTF8.GetString(inboxKey);

    public static long ReadInt64(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadInt64BigEndian(bytes);

    /// <summary>
    /// Decodes the record key (third component) from a state key whose agent prefix has <paramref name="agentPrefixLength"/>
    /// bytes; given the namespace prefix's length instead, the agent id (it stops at the component's terminator).
    /// </summary>
    public static string DecodeKey(ReadOnlySpan<byte> stateKey, int agentPrefixLength)
    {
        var rest = stateKey[agentPrefixLength..];
        var bytes = new List<byte>(rest.Length);
        for (var i = 0; i < rest.Length; i++)
        {
            if (rest[i] != Escape)
            {
                bytes.Add(rest[i]);
                continue;
            }

            if (i + 1 >= rest.Length)
            {
                break;
            }

            if (rest[i + 1] == Terminator)
            {
                break;
            }

            bytes.Add(0);
            i++;
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>True when <paramref name="key"/> starts with <paramref name="prefix"/>.</summary>
    public static bool HasPrefix(ReadOnlySpan<byte> key, ReadOnlySpan<byte> prefix) => key.StartsWith(prefix);

    /// <summary>The smallest key greater than every key starting with <paramref name="prefix"/> (an exclusive upper bound), or null if none exists.</summary>
    public static byte[]? PrefixUpperBound(ReadOnlySpan<byte> prefix)
    {
        var bound = prefix.ToArray();
        for (var i = bound.Length - 1; i >= 0; i--)
        {
            if (bound[i] != 0xFF)
            {
                bound[i]++;
                return bound[..(i + 1)];
            }
        }

        return null;
    }

    /// <summary>Encoded length of a component: its UTF-8 bytes, one more per zero byte, and the terminator.</summary>
    private static int ComponentLength(string component)
    {
        var length = Encoding.UTF8.GetByteCount(component) + 2;
        // Only U+0000 encodes to a zero byte in UTF-8.
        return component.Contains('\0', StringComparison.Ordinal) ? length + component.Count(c => c == '\0') : length;
    }

    private static int WriteComponent(byte[] destination, int at, string component)
    {
        at = WriteEscaped(destination, at, component);
        destination[at] = Escape;
        destination[at + 1] = Terminator;
        return at + 2;
    }

    private static int WriteEscaped(byte[] destination, int at, string component)
    {
        var written = Encoding.UTF8.GetBytes(component, destination.AsSpan(at));
        var zeros = destination.AsSpan(at, written).Count(Escape);
        if (zeros == 0)
        {
            return at + written;
        }

        // Rare: spread the bytes out from the end so each zero byte gains its escape byte after it.
        var from = at + written - 1;
        var to = from + zeros;
        for (; from >= at; from--)
        {
            if (destination[from] == Escape)
            {
                destination[to--] = EscapedZero;
            }

            destination[to--] = destination[from];
        }

        return at + written + zeros;
    }

    private static byte[] AppendInt64(byte[] prefix, long value)
    {
        var key = new byte[prefix.Length + 8];
        prefix.CopyTo(key, 0);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(prefix.Length), value);
        return key;
    }
}
