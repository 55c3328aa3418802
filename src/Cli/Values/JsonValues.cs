using System.Text.Json;
using System.Text.Json.Nodes;
using MessagePack;
using MessagePack.Resolvers;
using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Values;

/// <summary>Stored values are MessagePack; the CLI shows and takes them as JSON.</summary>
internal static class JsonValues
{
    /// <summary>Reads values as <see cref="Undecoded"/>; untrusted-data security, as anyone may have written them.</summary>
    public static MessagePackSerializerOptions ReadOptions { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create([UndecodedFormatter.Instance], [StandardResolver.Instance]))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    private static readonly MessagePackSerializerOptions s_convertOptions = MessagePackSerializerOptions.Standard
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>The value as compact JSON text (for tables); a value that is not valid MessagePack says so.</summary>
    public static string ToText(ReadOnlyMemory<byte>? value)
    {
        if (value is not { } bytes)
        {
            return "";
        }

        try
        {
            return MessagePackSerializer.ConvertToJson(bytes, s_convertOptions);
        }
        catch (MessagePackSerializationException)
        {
            return $"<{bytes.Length} bytes, not MessagePack>";
        }
    }

    /// <summary>
    /// The value as a JSON node. MessagePack holds more than JSON (binary, ext types, non-string map keys): what the
    /// converter cannot write as valid JSON is given as the converter's text in a JSON string.
    /// </summary>
    public static JsonNode? ToNode(ReadOnlyMemory<byte>? value)
    {
        if (value is null)
        {
            return null;
        }

        var text = ToText(value);
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    /// <summary>
    /// The value as JSON only when that JSON converts back (<see cref="FromNode"/>) to exactly <paramref name="value"/>'s
    /// bytes: true with the node (null for a stored nil), false for a value JSON cannot carry byte for byte (binary,
    /// extension types, 32-bit floats, integers in a wider encoding than needed, non-string map keys, bytes that are not
    /// MessagePack). A dump writes the latter as base64 of the bytes instead.
    /// </summary>
    public static bool TryToExactNode(ReadOnlyMemory<byte> value, out JsonNode? node)
    {
        node = null;
        try
        {
            node = JsonNode.Parse(MessagePackSerializer.ConvertToJson(value, s_convertOptions));
            return FromNode(node).AsSpan().SequenceEqual(value.Span);
        }
        catch (Exception e) when (e is MessagePackSerializationException or JsonException or EndOfStreamException)
        {
            return false;
        }
    }

    /// <summary>A JSON node (null: JSON null) as MessagePack bytes, as <see cref="FromJson"/> converts its text.</summary>
    public static byte[] FromNode(JsonNode? node) =>
        MessagePackSerializer.ConvertFromJson(node?.ToJsonString() ?? "null", s_convertOptions);

    /// <summary>One JSON value (any kind) as MessagePack bytes; malformed JSON is a usage error.</summary>
    public static byte[] FromJson(string json, string what)
    {
        try
        {
            // Validated first: the converter's reader is lenient and its messages are terse.
            using var document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"{what} is not valid JSON: {e.Message}");
        }

        return MessagePackSerializer.ConvertFromJson(json, s_convertOptions);
    }
}
