using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Statehouse.Cli.Values;
using Statehouse.Client;
using Statehouse.Contracts;

namespace Statehouse.Cli.Output;

/// <summary>
/// How records, replayed events and commit results look, as JSON (snake_case names, values as JSON) and as table rows.
/// Shared by the commands, so that <c>get</c>, <c>scan</c> and <c>dump</c> (and <c>replay</c> and <c>tail</c>) agree.
/// </summary>
internal static class Views
{
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string OperationName(OperationKind kind) => kind switch
    {
        OperationKind.Write => "write",
        OperationKind.Delete => "delete",
        OperationKind.ExpectVersion => "expect",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static JsonObject RecordJson(string key, StateResult<Undecoded> state) => new()
    {
        ["key"] = key,
        ["exists"] = state.Exists,
        ["version"] = state.Version,
        ["commit_ts"] = state.CommitTs,
        ["value"] = state.Exists ? JsonValues.ToNode(state.RawValue) : null,
    };

    public static Table RecordsTable(IEnumerable<ScanEntry<Undecoded>> entries)
    {
        var table = Tables.Create("KEY", "VERSION", "COMMIT_TS", "VALUE");
        foreach (var entry in entries)
        {
            table.Row(entry.Key, Number(entry.State.Version), Number(entry.State.CommitTs), JsonValues.ToText(entry.State.RawValue));
        }

        return table;
    }

    /// <summary>
    /// An event as JSON: commit_ts, txn_id, agent, operations. A namespace's event (empty <see cref="ReplayEvent.AgentId"/>)
    /// has no top-level agent; each operation names its own instead.
    /// </summary>
    public static JsonObject EventJson(ReplayEvent replayed)
    {
        var wholeNamespace = replayed.AgentId.Length == 0;
        var json = new JsonObject { ["commit_ts"] = replayed.CommitTs, ["txn_id"] = replayed.TxnId };
        if (!wholeNamespace)
        {
            json["agent"] = replayed.AgentId;
        }

        json["operations"] = new JsonArray(replayed.Operations.Select(o =>
        {
            var operation = new JsonObject { ["op"] = OperationName(o.Kind) };
            if (wholeNamespace)
            {
                operation["agent"] = o.AgentId;
            }

            operation["key"] = o.Key;
            operation["version"] = o.Version;
            operation["value"] = JsonValues.ToNode(o.Value);
            return (JsonNode)operation;
        }).ToArray());
        return json;
    }

    /// <summary>
    /// One row per event (its operations summarized), or with <paramref name="verbose"/> one row per operation with
    /// its value.
    /// </summary>
    public static Table EventsTable(IEnumerable<ReplayEvent> events, bool verbose)
    {
        if (!verbose)
        {
            var summary = Tables.Create("COMMIT_TS", "TXN_ID", "OPERATIONS");
            foreach (var replayed in events)
            {
                var operations = string.Join(", ", replayed.Operations.Select(o => $"{OperationName(o.Kind)} {o.Key} v{Number(o.Version)}"));
                summary.Row(Number(replayed.CommitTs), replayed.TxnId, operations);
            }

            return summary;
        }

        var table = Tables.Create("COMMIT_TS", "TXN_ID", "OP", "KEY", "VERSION", "VALUE");
        foreach (var replayed in events)
        {
            foreach (var operation in replayed.Operations)
            {
                table.Row(Number(replayed.CommitTs), replayed.TxnId, OperationName(operation.Kind), operation.Key,
                    Number(operation.Version), JsonValues.ToText(operation.Value));
            }
        }

        return table;
    }

    public static JsonObject CommitJson(string @namespace, CommitResult result) => new()
    {
        ["namespace"] = @namespace,
        ["txn_id"] = result.TxnId,
        ["commit_ts"] = result.CommitTs,
        ["versions"] = new JsonArray(result.Versions
            .Select(v => (JsonNode)new JsonObject { ["agent"] = v.AgentId, ["key"] = v.Key, ["version"] = v.Version })
            .ToArray()),
    };

    public static void WriteCommit(CliOutput output, string @namespace, CommitResult result)
    {
        if (output.Json)
        {
            output.WriteJson(CommitJson(@namespace, result));
            return;
        }

        output.WriteLine($"committed txn {result.TxnId} at commit_ts {Number(result.CommitTs)}");
        var table = Tables.Create("AGENT", "KEY", "VERSION");
        foreach (var version in result.Versions)
        {
            table.Row(version.AgentId, version.Key, Number(version.Version));
        }

        output.Write(table);
    }
}
