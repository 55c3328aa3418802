using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// One operation of a transaction on the record <c>(namespace, AgentId, Key)</c>.
/// <see cref="Value"/> holds the MessagePack bytes of the value for a write (stored exactly as sent);
/// <see cref="ExpectedVersion"/> is used by <see cref="OperationKind.ExpectVersion"/> (0 = must not exist).
/// </summary>
[MessagePackObject]
public sealed record Operation(
    [property: Key(0)] OperationKind Kind,
    [property: Key(1)] string AgentId,
    [property: Key(2)] string Key,
    [property: Key(3)] byte[]? Value = null,
    [property: Key(4)] long ExpectedVersion = 0)
{
    public static Operation Write(string agentId, string key, byte[] value) => new(OperationKind.Write, agentId, key, value);

    public static Operation Delete(string agentId, string key) => new(OperationKind.Delete, agentId, key);

    public static Operation Expect(string agentId, string key, long version) => new(OperationKind.ExpectVersion, agentId, key, null, version);
}
