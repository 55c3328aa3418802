using System.Text.Json.Nodes;

namespace Statehouse.Cli.Dumps;

/// <summary>
/// The first line of a JSON-lines dump: <c>{"statehouse_dump": 1, "namespace", "last_commit_ts"}</c>, the namespace
/// dumped and the worker's last commit_ts when the dump began (every record line shows at least the state after it;
/// pages are read one after another, so a dump taken while commits run is not one point in time).
/// </summary>
internal sealed record DumpHeader(string Namespace, long LastCommitTs)
{
    /// <summary>The format version a header carries (<c>statehouse_dump</c>).</summary>
    public const int FormatVersion = 1;

    private const string Marker = "statehouse_dump";

    public JsonObject ToJson() => new()
    {
        [Marker] = FormatVersion,
        ["namespace"] = Namespace,
        ["last_commit_ts"] = LastCommitTs,
    };

    /// <summary>Whether a parsed line is a header (it has <c>statehouse_dump</c>).</summary>
    public static bool IsHeader(JsonObject line) => line.ContainsKey(Marker);

    /// <summary>The header of a line that <see cref="IsHeader"/>; <see cref="FormatException"/> for another format version.</summary>
    public static DumpHeader FromJson(JsonObject line)
    {
        if (line[Marker] is not JsonValue marker || !marker.TryGetValue<int>(out var version) || version != FormatVersion)
        {
            throw new FormatException($"the header's \"{Marker}\" is {line[Marker]?.ToJsonString() ?? "null"}; this CLI reads format {FormatVersion}");
        }

        var ns = line["namespace"] is JsonValue name && name.TryGetValue<string>(out var text) ? text : "";
        var lastCommitTs = line["last_commit_ts"] is JsonValue ts && ts.TryGetValue<long>(out var number) ? number : 0;
        return new DumpHeader(ns, lastCommitTs);
    }
}
