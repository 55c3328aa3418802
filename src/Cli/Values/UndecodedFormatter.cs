using MessagePack;
using MessagePack.Formatters;

namespace Statehouse.Cli.Values;

/// <summary>Skips over a value instead of decoding it (see <see cref="Undecoded"/>).</summary>
internal sealed class UndecodedFormatter : IMessagePackFormatter<Undecoded>
{
    public static UndecodedFormatter Instance { get; } = new();

    public void Serialize(ref MessagePackWriter writer, Undecoded value, MessagePackSerializerOptions options) => writer.WriteNil();

    public Undecoded Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        reader.Skip();
        return default;
    }
}
