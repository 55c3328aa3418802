using MessagePack;
using Statehouse.Contracts;

namespace Statehouse.Client;

/// <summary>
/// One operation of a replayed transaction: a write (with <see cref="Value"/>, the exact stored MessagePack bytes) or a
/// delete, and the record's <see cref="Version"/> after it.
/// </summary>
public sealed class ReplayOperation
{
    private readonly MessagePackSerializerOptions _valueOptions;

    internal ReplayOperation(string key, OperationKind kind, long version, ReadOnlyMemory<byte>? value, MessagePackSerializerOptions valueOptions)
    {
        Key = key;
        Kind = kind;
        Version = version;
        Value = value;
        _valueOptions = valueOptions;
    }

    public string Key { get; }

    /// <summary><see cref="OperationKind.Write"/> or <see cref="OperationKind.Delete"/>.</summary>
    public OperationKind Kind { get; }

    public long Version { get; }

    /// <summary>The value bytes of a write; null for a delete.</summary>
    public ReadOnlyMemory<byte>? Value { get; }

    /// <summary>The written value decoded as <typeparamref name="T"/> with the client's value serializer; default for a delete.</summary>
    public T? As<T>() => Value is { } bytes ? MessagePackSerializer.Deserialize<T>(bytes, _valueOptions) : default;

    public override string ToString() => $"{Kind} {Key} v{Version}";
}
