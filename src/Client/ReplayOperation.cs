using MessagePack;
using Statehouse.Contracts;

namespace Statehouse.Client;

/// <summary>
/// One operation of a replayed transaction: a write (with <see cref="Value"/>, the exact stored MessagePack bytes) or a
/// delete of the record <see cref="AgentId"/> / <see cref="Key"/>, and the record's <see cref="Version"/> after it.
/// </summary>
public sealed class ReplayOperation
{
    private readonly MessagePackSerializerOptions _valueOptions;

    internal ReplayOperation(string agentId, string key, OperationKind kind, long version, ReadOnlyMemory<byte>? value, MessagePackSerializerOptions valueOptions)
    {
        AgentId = agentId;
        Key = key;
        Kind = kind;
        Version = version;
        Value = value;
        _valueOptions = valueOptions;
    }

    /// <summary>The record's agent: the replayed agent, or in a namespace's events (<see cref="FollowFilter.ForNamespace"/>) each operation's own.</summary>
    public string AgentId { get; }

    public string Key { get; }

    /// <summary><see cref="OperationKind.Write"/> or <see cref="OperationKind.Delete"/>.</summary>
    public OperationKind Kind { get; }

    public long Version { get; }

    /// <summary>The value bytes of a write; null for a delete.</summary>
    public ReadOnlyMemory<byte>? Value { get; }

    /// <summary>The written value decoded as <typeparamref name="T"/> with the client's value serializer; default for a delete.</summary>
    public T? As<T>() => Value is { } bytes ? MessagePackSerializer.Deserialize<T>(bytes, _valueOptions) : default;

    public override string ToString() => $"{Kind} {AgentId}/{Key} v{Version}";
}
