using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

public class KeyCodecTests
{
    [Fact]
    public void StateKey_SeparatorInsideComponents_DoesNotCollide()
    {
        var a = KeyCodec.StateKey("default", "b:c", "d");
        var b = KeyCodec.StateKey("default", "b", "c:d");
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void StateKey_NulInsideComponents_DoesNotCollide()
    {
        var a = KeyCodec.StateKey("ns", "a\0", "b");
        var b = KeyCodec.StateKey("ns", "a", "\0b");
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void AgentPrefix_OtherAgentStartingWithSameText_IsNotPrefix()
    {
        var agentB = KeyCodec.AgentPrefix("default", "b");
        var keyOfBx = KeyCodec.StateKey("default", "b:x", "k");
        var keyOfB0 = KeyCodec.StateKey("default", "b\0", "k");
        Assert.False(KeyCodec.HasPrefix(keyOfBx, agentB));
        Assert.False(KeyCodec.HasPrefix(keyOfB0, agentB));
        Assert.True(KeyCodec.HasPrefix(KeyCodec.StateKey("default", "b", "k"), agentB));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("with\0nul")]
    [InlineData("\0")]
    [InlineData("a/b:c")]
    [InlineData("ключ-鍵-🔑")]
    public void DecodeKey_AnyKey_RoundTrips(string key)
    {
        var prefix = KeyCodec.AgentPrefix("ns", "agent");
        Assert.Equal(key, KeyCodec.DecodeKey(KeyCodec.StateKey("ns", "agent", key), prefix.Length));
    }

    [Fact]
    public void StateKey_Order_MatchesOrdinalOrderOfKeys()
    {
        string[] keys = ["", "\0", "\0\0", "a", "a\0", "a\0b", "aa", "ab", "b", "é", "🔑"];
        var encoded = keys.Where(k => k.Length > 0).Select(k => KeyCodec.StateKey("n", "x", k)).ToList();
        var sorted = encoded.OrderBy(k => k, ByteComparer.Instance).ToList();
        Assert.Equal(encoded, sorted);
    }

    [Fact]
    public void HistoryKey_Versions_SortNumerically()
    {
        var state = KeyCodec.StateKey("n", "a", "k");
        var keys = new[] { 1L, 2L, 255L, 256L, 70_000L }.Select(v => KeyCodec.HistoryKey(state, v)).ToList();
        Assert.Equal(keys, keys.OrderBy(k => k, ByteComparer.Instance).ToList());
    }

    [Fact]
    public void PrefixUpperBound_AllFf_IsNull()
    {
        Assert.Null(KeyCodec.PrefixUpperBound([0xFF, 0xFF]));
        Assert.Equal([0x01, 0x03], KeyCodec.PrefixUpperBound([0x01, 0x02, 0xFF]));
    }

    private sealed class ByteComparer : IComparer<byte[]>
    {
        public static ByteComparer Instance { get; } = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
