using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

public class KeyCodecTests
{
    [Fact]
    public void StateKey_Bytes_AreTheStoredFormat()
    {
        // Stores on disk depend on these exact bytes: UTF-8, 00 escaped as 00 FF, each component ended by 00 01.
        Assert.Equal("6E00FF7300016100016BC3A900FF0001", Convert.ToHexString(KeyCodec.StateKey("n\0s", "a", "k\u00E9\0")));
        Assert.Equal("6E000161000100FF00FF0001", Convert.ToHexString(KeyCodec.StateKey("n", "a", "\0\0")));
        Assert.Equal("6E00016100016B00FF", Convert.ToHexString(KeyCodec.KeyPrefix("n", "a", "k\0")));
        Assert.Equal("F09F9491000100FF0001", Convert.ToHexString(KeyCodec.AgentPrefix("\U0001F511", "\0")));
    }

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
