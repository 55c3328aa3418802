using System.CommandLine;
using System.Text.Json.Nodes;
using Statehouse.Cli.Dumps;
using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>import FILE [--batch N]</c>: loads a JSON-lines dump (<c>dump --format jsonl</c>) into the namespace of
/// <c>--namespace</c>, in transactions of bounded size, never overwriting a record that exists, resumable by txn_id
/// (<see cref="DumpImporter"/>).
/// </summary>
internal static class ImportCommand
{
    /// <summary>
    /// Records per transaction at most: each record is two operations (expect-version 0 and the write), and the worker
    /// takes at most 1000 operations per transaction by default (Statehouse:Limits:MaxOperations).
    /// </summary>
    private const int MaxBatch = 500;

    /// <summary>
    /// Bytes of names and values per transaction, about: well below the 4 MiB message limit of the worker and the client
    /// (Statehouse:Limits:MaxMessageBytes) whatever the framing. A record bigger than this goes alone.
    /// </summary>
    private const int MaxBatchBytes = 1 << 20;

    public static Command Create(GlobalOptions globals)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The dump: JSON lines, as `dump --format jsonl` writes" };
        var batch = new Option<int>("--batch")
        {
            Description = $"Records per transaction (1 to {MaxBatch}; default 250); transactions also stay under about {MaxBatchBytes >> 20} MiB",
            HelpName = "N",
            DefaultValueFactory = _ => 250,
        };
        batch.Validators.Add(result =>
        {
            if (Arguments.TryGetValue(result, out int value) && value is < 1 or > MaxBatch)
            {
                result.AddError($"--batch must be between 1 and {MaxBatch}.");
            }
        });
        var command = new Command("import", "Import a JSON-lines dump into the namespace (never overwrites; re-run to resume)") { file, batch };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var path = parse.GetRequiredValue(file).FullName;
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            var importer = new DumpImporter(client, context.Namespace, path, parse.GetValue(batch), MaxBatchBytes);
            var plan = await importer.PlanAsync(ct).ConfigureAwait(false);
            if (plan.Header is { } header && header.Namespace != context.Namespace)
            {
                context.Output.Note($"importing a dump of namespace '{header.Namespace}' into namespace '{context.Namespace}'");
            }

            var start = await client.HealthAsync(ct).ConfigureAwait(false);
            var counts = await context.Output.WithProgressBarAsync($"importing into namespace '{context.Namespace}'", plan.Records,
                report => importer.RunAsync(plan, start.LastCommitTs, report, context.Output.Note, ct)).ConfigureAwait(false);

            context.Output.WriteObject(new JsonObject
            {
                ["namespace"] = context.Namespace,
                ["file"] = path,
                ["records"] = counts.Records,
                ["committed"] = counts.Committed,
                ["skipped"] = counts.Skipped,
                ["already_present"] = counts.AlreadyPresent,
                ["transactions_committed"] = counts.TransactionsCommitted,
                ["transactions_skipped"] = counts.TransactionsSkipped,
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
