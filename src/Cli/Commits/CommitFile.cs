using System.Text.Json;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Values;
using Statehouse.Contracts;

namespace Statehouse.Cli.Commits;

/// <summary>
/// A JSON file of operations committed as one transaction (format in docs/cli.md):
/// <c>{"namespace": "...", "txn_id": "...", "operations": [{"op": "write", "agent": "a", "key": "k", "value": ...},
/// {"op": "delete", ...}, {"op": "expect", ..., "version": 3}]}</c>. <c>namespace</c> and <c>txn_id</c> are optional.
/// Unknown fields are refused, so that a misspelt one does not silently change what is committed.
/// </summary>
internal sealed record CommitFile(string? Namespace, string? TxnId, IReadOnlyList<CommitFileOperation> Operations)
{
    private static readonly HashSet<string> s_topFields = ["namespace", "txn_id", "operations"];
    private static readonly HashSet<string> s_writeFields = ["op", "agent", "key", "value"];
    private static readonly HashSet<string> s_deleteFields = ["op", "agent", "key"];
    private static readonly HashSet<string> s_expectFields = ["op", "agent", "key", "version"];

    /// <summary>Parses and checks the file; every problem is a usage error naming where it is.</summary>
    public static CommitFile Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw CliException.Usage($"The commit file is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("the file", "must be a JSON object with an \"operations\" array");
            }

            RefuseUnknown(root, s_topFields, "the file");
            var ns = OptionalString(root, "namespace", "the file");
            if (ns is { Length: 0 })
            {
                throw Invalid("the file", "has an empty \"namespace\" (leave it out for --namespace)");
            }

            var txnId = OptionalString(root, "txn_id", "the file");
            if (txnId is not null && string.IsNullOrWhiteSpace(txnId))
            {
                throw Invalid("the file", "has an empty \"txn_id\" (leave it out for a new one)");
            }
            if (!root.TryGetProperty("operations", out var operations) || operations.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("the file", "needs an \"operations\" array");
            }

            var parsed = new List<CommitFileOperation>();
            var index = 0;
            foreach (var operation in operations.EnumerateArray())
            {
                parsed.Add(ParseOperation(operation, $"operations[{index++}]"));
            }

            if (parsed.Count == 0 || parsed.TrueForAll(o => o.Kind == OperationKind.ExpectVersion))
            {
                throw Invalid("operations", "needs at least one write or delete");
            }

            return new CommitFile(ns, txnId, parsed);
        }
    }

    private static CommitFileOperation ParseOperation(JsonElement operation, string where)
    {
        if (operation.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(where, "must be an object");
        }

        var op = RequiredString(operation, "op", where);
        var agent = RequiredString(operation, "agent", where);
        var key = RequiredString(operation, "key", where);
        switch (op)
        {
            case "write":
                RefuseUnknown(operation, s_writeFields, where);
                if (!operation.TryGetProperty("value", out var value))
                {
                    throw Invalid(where, "is a write without a \"value\"");
                }

                return new CommitFileOperation(OperationKind.Write, agent, key, JsonValues.FromJson(value.GetRawText(), $"{where}.value"));
            case "delete":
                RefuseUnknown(operation, s_deleteFields, where);
                return new CommitFileOperation(OperationKind.Delete, agent, key);
            case "expect":
                RefuseUnknown(operation, s_expectFields, where);
                if (!operation.TryGetProperty("version", out var version) || !version.TryGetInt64(out var expected) || expected < 0)
                {
                    throw Invalid(where, "is an expect without a \"version\" (a whole number, 0 = must not exist)");
                }

                return new CommitFileOperation(OperationKind.ExpectVersion, agent, key, Version: expected);
            default:
                throw Invalid(where, $"has op \"{op}\"; expected \"write\", \"delete\" or \"expect\"");
        }
    }

    private static void RefuseUnknown(JsonElement element, IReadOnlySet<string> known, string where)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                throw Invalid(where, $"has an unknown field \"{property.Name}\" (known: {string.Join(", ", known)})");
            }
        }
    }

    private static string RequiredString(JsonElement element, string name, string where) =>
        OptionalString(element, name, where) is { Length: > 0 } value ? value : throw Invalid(where, $"needs a non-empty string \"{name}\"");

    private static string? OptionalString(JsonElement element, string name, string where)
    {
        if (!element.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return property.ValueKind == JsonValueKind.String ? property.GetString() : throw Invalid(where, $"has a \"{name}\" that is not a string");
    }

    private static CliException Invalid(string where, string problem) => CliException.Usage($"Commit file: {where} {problem}.");
}
