using MessagePack;
using MessagePack.Resolvers;

namespace Statehouse.Contracts;

/// <summary>
/// The one MessagePack configuration for every message on the wire. Untrusted-data security is on: the worker
/// decodes bytes from anyone who can publish.
/// </summary>
public static class WireFormat
{
    /// <summary>The schema version this build writes. Readers reject any other.</summary>
    public const int SchemaVersion = 1;

    public const string ContentType = "application/x-msgpack";

    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(StandardResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    public static byte[] Serialize<T>(T message) => MessagePackSerializer.Serialize(message, Options);

    /// <summary>Decodes a message; throws <see cref="MessagePackSerializationException"/> on malformed bytes.</summary>
    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes) => MessagePackSerializer.Deserialize<T>(bytes, Options);
}
