using System.Globalization;
using System.Text;
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
            return ConvertToJson(bytes);
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
            node = JsonNode.Parse(ConvertToJson(value));
            return FromNode(node).AsSpan().SequenceEqual(value.Span);
        }
        catch (Exception e) when (e is MessagePackSerializationException or JsonException or EndOfStreamException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>
    /// The converter's JSON with the control characters it leaves raw inside strings (U+0000 to U+001F but for the
    /// ones it escapes) written as \u escapes, as JSON requires: a string holding one was not valid JSON, so it was shown
    /// quoted inside another string and dumped as base64. The converter writes no whitespace of its own, so every
    /// control character is inside a string.
    /// </summary>
    private static string ConvertToJson(ReadOnlyMemory<byte> bytes)
    {
        var json = MessagePackSerializer.ConvertToJson(bytes, s_convertOptions);
        if (!json.AsSpan().ContainsAnyInRange('\u0000', '\u001F'))
        {
            return json;
        }

        var escaped = new StringBuilder(json.Length + 16);
        foreach (var c in json)
        {
            if (c < ' ')
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    private static string UnrepresentableMessage(string number) =>
        $"the number {number} fits neither a 64-bit integer nor a finite 64-bit float, so MessagePack cannot hold it; write it as a string (\"{number}\") instead, or a large integer as a float with an exponent (1.5e30)";

    /// <summary>A JSON node (null: JSON null) as MessagePack bytes, as <see cref="FromJson"/> converts its text.</summary>
    /// <exception cref="OverflowException">A number fits neither a 64-bit integer nor a finite 64-bit float (<see cref="FindUnrepresentableNumber"/>).</exception>
    public static byte[] FromNode(JsonNode? node)
    {
        var json = node?.ToJsonString() ?? "null";
        if (FindUnrepresentableNumber(json) is { } number)
        {
            throw new OverflowException(UnrepresentableMessage(number));
        }

        return MessagePackSerializer.ConvertFromJson(json, s_convertOptions);
    }

    /// <summary>
    /// The first number of <paramref name="json"/> (valid JSON) that MessagePack cannot hold as JSON means it, or null: an
    /// integer (no fraction, no exponent) outside the 64-bit range, or a number beyond a finite 64-bit float. The
    /// converter would otherwise store the former as a string or as broken bytes, the latter as infinity.
    /// </summary>
    public static string? FindUnrepresentableNumber(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                continue;
            }

            var isInteger = reader.ValueSpan.IndexOfAny(".eE"u8) < 0;
            var fits = isInteger
                ? reader.TryGetInt64(out _) || reader.TryGetUInt64(out _)
                : reader.TryGetDouble(out var number) && double.IsFinite(number);
            if (!fits)
            {
                return Encoding.UTF8.GetString(reader.ValueSpan);
            }
        }

        return null;
    }

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

        if (FindUnrepresentableNumber(json) is { } number)
        {
            throw CliException.Usage($"{what}: {UnrepresentableMessage(number)}");
        }

        return MessagePackSerializer.ConvertFromJson(json, s_convertOptions);
    }
}
