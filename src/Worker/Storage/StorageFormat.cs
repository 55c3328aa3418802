using MessagePack;
using MessagePack.Resolvers;

namespace Statehouse.Worker.Storage;

/// <summary>MessagePack settings for the store's own values (records, log entries, inbox entries).</summary>
internal static class StorageFormat
{
    /// <summary>
    /// Version of the on-disk layout, recorded in meta. A store of another version is refused at open, but for version 1,
    /// which is upgraded (<see cref="StoreMeta"/>): version 2 added history horizons and the log entries' commit time.
    /// </summary>
    public const int SchemaVersion = 2;

    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(StandardResolverAllowPrivate.Instance);

    public static byte[] Serialize<T>(T value) => MessagePackSerializer.Serialize(value, Options);

    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes) => MessagePackSerializer.Deserialize<T>(bytes, Options);
}
