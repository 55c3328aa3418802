namespace Statehouse.Worker.Storage;

/// <summary>
/// A record's identity (namespace, agent_id, key), encoded once as its key in the state column family
/// (<see cref="KeyCodec.StateKey"/>). Two identities are equal when their encodings are, so it serves as a dictionary key
/// (the commit engine's version cache) without encoding the identity again for each lookup and write.
/// Only the storage layer looks at the bytes.
/// </summary>
internal readonly struct RecordKey : IEquatable<RecordKey>
{
    private RecordKey(byte[] stateKey) => StateKey = stateKey;

    /// <summary>The encoded identity: <c>ns ‖ agent ‖ key</c>.</summary>
    internal byte[] StateKey { get; }

    public static RecordKey Of(string ns, string agentId, string key) => new(KeyCodec.StateKey(ns, agentId, key));

    /// <summary>The identity whose state key is <paramref name="stateKey"/> (read from the store).</summary>
    internal static RecordKey FromStateKey(byte[] stateKey) => new(stateKey);

    public bool Equals(RecordKey other) => StateKey.AsSpan().SequenceEqual(other.StateKey);

    public override bool Equals(object? obj) => obj is RecordKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(StateKey);
        return hash.ToHashCode();
    }

    public static bool operator ==(RecordKey left, RecordKey right) => left.Equals(right);

    public static bool operator !=(RecordKey left, RecordKey right) => !left.Equals(right);
}
