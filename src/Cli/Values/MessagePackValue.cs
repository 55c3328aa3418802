using MessagePack;

namespace Statehouse.Cli.Values;

/// <summary>Checks on raw MessagePack bytes.</summary>
internal static class MessagePackValue
{
    /// <summary>Whether <paramref name="bytes"/> hold exactly one MessagePack value (what the client's <c>WriteRaw</c> accepts).</summary>
    public static bool IsSingle(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        try
        {
            reader.Skip();
        }
        catch (Exception e) when (e is EndOfStreamException or MessagePackSerializationException)
        {
            return false;
        }

        return reader.End;
    }
}
