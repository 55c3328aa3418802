using System.Text.Json.Nodes;
using Statehouse.Cli.Values;

namespace Statehouse.Cli.Dumps;

/// <summary>
/// One line of a JSON-lines dump: a live record, <c>{"agent", "key", "version", "commit_ts", "value"}</c>. The value is
/// JSON when that JSON converts back to exactly the stored MessagePack bytes (<see cref="JsonValues.TryToExactNode"/>),
/// else <c>"value_msgpack"</c>: the bytes in base64, with <c>"value_text"</c> beside it, the value as the CLI shows it
/// elsewhere (JSON that would not give those bytes back, e.g. an integer a .NET client wrote as int32 that JSON would make
/// a fixint; import ignores it). Either way an import writes the same bytes. <see cref="Version"/> and
/// <see cref="CommitTs"/> are the source's (an import gives the records new ones).
/// </summary>
internal sealed record DumpRecord(string Agent, string Key, long Version, long CommitTs, byte[] Value)
{
    /// <summary>The record's line.</summary>
    public JsonObject ToJson()
    {
        var line = new JsonObject
        {
            ["agent"] = Agent,
            ["key"] = Key,
            ["version"] = Version,
            ["commit_ts"] = CommitTs,
        };
        if (JsonValues.TryToExactNode(Value, out var node))
        {
            line["value"] = node;
        }
        else
        {
            line["value_msgpack"] = System.Convert.ToBase64String(Value);
            line["value_text"] = JsonValues.ToText(Value);
        }

        return line;
    }

    /// <summary>
    /// The record of a parsed line; a line that is not one says what is wrong, as <see cref="FormatException"/>
    /// (the caller adds the line number). Fields other than these (<c>value_text</c> among them) are ignored.
    /// </summary>
    public static DumpRecord FromJson(JsonObject line)
    {
        var agent = RequiredString(line, "agent");
        var key = RequiredString(line, "key");
        var hasJson = line.TryGetPropertyValue("value", out var value);
        var hasBytes = line.TryGetPropertyValue("value_msgpack", out var base64);
        var bytes = (hasJson, hasBytes) switch
        {
            (true, false) => Convert(value),
            (false, true) => Decode(base64),
            (true, true) => throw new FormatException("it has both \"value\" and \"value_msgpack\"; a record has one value"),
            _ => throw new FormatException("it has neither \"value\" nor \"value_msgpack\""),
        };
        return new DumpRecord(agent, key, OptionalLong(line, "version"), OptionalLong(line, "commit_ts"), bytes);
    }

    private static string RequiredString(JsonObject line, string name) =>
        line[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new FormatException($"\"{name}\" is missing or not a non-empty string");

    private static long OptionalLong(JsonObject line, string name) => line[name] switch
    {
        null => 0,
        JsonValue value when value.TryGetValue<long>(out var number) => number,
        _ => throw new FormatException($"\"{name}\" is not an integer"),
    };

    private static byte[] Convert(JsonNode? value)
    {
        try
        {
            return JsonValues.FromNode(value);
        }
        catch (Exception e) when (e is MessagePack.MessagePackSerializationException or OverflowException or System.Text.Json.JsonException)
        {
            throw new FormatException($"\"value\" cannot be converted to MessagePack: {e.Message}", e);
        }
    }

    private static byte[] Decode(JsonNode? base64)
    {
        if (base64 is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            throw new FormatException("\"value_msgpack\" is not a string (base64 of the value's MessagePack bytes)");
        }

        byte[] bytes;
        try
        {
            bytes = System.Convert.FromBase64String(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"\"value_msgpack\" is not base64: {e.Message}", e);
        }

        return MessagePackValue.IsSingle(bytes)
            ? bytes
            : throw new FormatException("\"value_msgpack\" does not hold exactly one MessagePack value");
    }
}
