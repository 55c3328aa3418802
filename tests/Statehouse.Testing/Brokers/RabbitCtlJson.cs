using System.Text.Json;

namespace Statehouse.Testing.Brokers;

/// <summary>Reading what rabbitmqctl prints with <c>--formatter json</c>.</summary>
public static class RabbitCtlJson
{
    /// <summary>rabbitmqctl's JSON rows (<c>--formatter json</c>: an array of objects, possibly split over several lines).</summary>
    public static List<JsonElement> ParseRows(string output)
    {
        var start = output.IndexOf('[', StringComparison.Ordinal);
        if (start < 0)
        {
            return [];
        }

        using var document = JsonDocument.Parse(output[start..]);
        return [.. document.RootElement.EnumerateArray().Select(row => row.Clone())];
    }

    /// <summary>
    /// <c>connection_name</c> from rabbitmqctl's JSON of client properties: an object, or a list of
    /// <c>[name, type, value]</c> triples, depending on the version.
    /// </summary>
    public static string? ConnectionName(JsonElement properties)
    {
        if (properties.ValueKind == JsonValueKind.Object)
        {
            return properties.TryGetProperty("connection_name", out var name) ? name.GetString() : null;
        }

        if (properties.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in properties.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() == 3 && entry[0].GetString() == "connection_name")
                {
                    return entry[2].GetString();
                }
            }
        }

        return null;
    }
}
