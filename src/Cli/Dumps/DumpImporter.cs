using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Values;
using Statehouse.Client;
using Statehouse.Client.Exceptions;

namespace Statehouse.Cli.Dumps;

/// <summary>
/// Imports a JSON-lines dump into one namespace (<c>statehouse import</c>, docs/cli.md). The whole file is checked
/// first (every line, no agent/key twice), so a bad line writes nothing. Then its records are committed in
/// transactions of at most <c>maxRecords</c> records and about <c>maxBytes</c> bytes, each write with expect-version 0:
/// an import never overwrites a record that exists. Each transaction's txn_id is derived from the file's SHA-256, the
/// namespace and its line range, so a re-run after an interruption is answered from the worker's inbox for what is
/// already committed; beyond the inbox's retention such a transaction conflicts, and a record holding the line's value
/// byte for byte counts as already imported, while a different value stops the import naming the line and key.
/// </summary>
internal sealed class DumpImporter(StatehouseClient client, string @namespace, string path, int maxRecords, int maxBytes)
{
    /// <summary>Bytes counted per record beyond its names and value: the MessagePack framing of its two operations.</summary>
    private const int OperationOverhead = 32;

    /// <summary>A conflict is resolved by retrying the rest this many times before giving up (other writers racing).</summary>
    private const int MaxConflictRounds = 5;

    /// <summary>Reads the whole file once: every line valid, no (agent, key) twice; hashes it.</summary>
    /// <exception cref="CliException">A malformed or repeated line (usage, naming the line), or an unreadable file.</exception>
    public async Task<ImportPlan> PlanAsync(CancellationToken ct)
    {
        RequireSeekable();
        DumpHeader? header = null;
        long records = 0;
        var seen = new Dictionary<(string, string), int>();
        await foreach (var line in DumpFileReader.ReadAsync(path, ct).ConfigureAwait(false))
        {
            if (line.Header is not null)
            {
                header = line.Header;
                continue;
            }

            var record = line.Record!;
            if (!seen.TryAdd((record.Agent, record.Key), line.Number))
            {
                throw CliException.Usage($"{path}, line {line.Number}: agent '{record.Agent}' key '{record.Key}' is on line {seen[(record.Agent, record.Key)]} already; a dump has each record once");
            }

            records++;
        }

        return new ImportPlan(header, records, await HashAsync(ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Commits the file's records (second pass). <paramref name="startCommitTs"/>: the worker's last commit_ts before this
    /// run; a transaction answered with a commit_ts at or below it was committed by an earlier run (skipped).
    /// <paramref name="progress"/> gets the number of records done (committed or skipped) after each transaction.
    /// </summary>
    /// <exception cref="CliException">A record exists with a different value (rejected), or the file changed since <see cref="PlanAsync"/> (checked at the end: its hash).</exception>
    public async Task<ImportCounts> RunAsync(ImportPlan plan, long startCommitTs, Action<long> progress, Action<string> note, CancellationToken ct)
    {
        var counts = new ImportCounts(plan.Records, 0, 0, 0, 0, 0);
        await foreach (var batch in BatchesAsync(ct).ConfigureAwait(false))
        {
            counts = await ImportAsync(batch, TxnId(plan.FileHash, batch), startCommitTs, counts, note, ct).ConfigureAwait(false);
            progress(counts.Committed + counts.Skipped);
        }

        if (counts.Committed + counts.Skipped != plan.Records || !(await HashAsync(ct).ConfigureAwait(false)).AsSpan().SequenceEqual(plan.FileHash))
        {
            throw CliException.Usage($"{path} changed while it was imported ({plan.Records} records when checked, {counts.Committed + counts.Skipped} imported or skipped); " +
                "run the import again: what is there already is kept or skipped, never overwritten");
        }

        return counts;
    }

    /// <summary>The transactions' record lines, in file order, cut at <c>maxRecords</c> records or <c>maxBytes</c> (a bigger record goes alone).</summary>
    private async IAsyncEnumerable<ImportBatch> BatchesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var lines = new List<DumpLine>();
        long bytes = 0;
        await foreach (var line in DumpFileReader.ReadAsync(path, ct).ConfigureAwait(false))
        {
            if (line.Record is not { } record)
            {
                continue;
            }

            var size = Size(record);
            if (lines.Count > 0 && (lines.Count == maxRecords || bytes + size > maxBytes))
            {
                yield return new ImportBatch(lines);
                lines = [];
                bytes = 0;
            }

            lines.Add(line);
            bytes += size;
        }

        if (lines.Count > 0)
        {
            yield return new ImportBatch(lines);
        }
    }

    private async Task<ImportCounts> ImportAsync(ImportBatch batch, string txnId, long startCommitTs, ImportCounts counts, Action<string> note, CancellationToken ct)
    {
        var pending = batch.Lines.ToList();
        for (var round = 0; ; round++)
        {
            try
            {
                var result = await CommitAsync(pending, txnId, ct).ConfigureAwait(false);
                return result.CommitTs <= startCommitTs
                    ? counts with { Skipped = counts.Skipped + pending.Count, TransactionsSkipped = counts.TransactionsSkipped + 1 }
                    : counts with { Committed = counts.Committed + pending.Count, TransactionsCommitted = counts.TransactionsCommitted + 1 };
            }
            catch (StatehouseConflictException conflict) when (round < MaxConflictRounds)
            {
                var present = await PresentAsync(pending, conflict, batch, ct).ConfigureAwait(false);
                if (present.Count > 0)
                {
                    note($"{batch.Describe()}: {present.Count} of {pending.Count} records exist already with the same values (imported before): skipped");
                    counts = counts with { Skipped = counts.Skipped + present.Count, AlreadyPresent = counts.AlreadyPresent + present.Count };
                    pending.RemoveAll(present.Contains);
                }

                if (pending.Count == 0)
                {
                    return counts;
                }

                txnId = RestTxnId(txnId, pending);
            }
            // No reply in time, or no broker: not a refusal, and the outcome is open. It goes up as such (exit 3, how to resume).
            catch (StatehouseException e) when (e is not (StatehouseConflictException or StatehouseTimeoutException or StatehouseUnavailableException))
            {
                throw new CliException(ExitCodes.Rejected,
                    $"{path}, {batch.Describe()} (transaction {txnId}): the worker refused it: {e.Message}; nothing of these lines was written " +
                    $"({counts.Committed} records imported, {counts.Skipped} skipped before them). A smaller --batch helps if the transaction was too large.", e);
            }
        }
    }

    private async Task<CommitResult> CommitAsync(List<DumpLine> lines, string txnId, CancellationToken ct)
    {
        await using var tx = client.BeginTransaction(@namespace, txnId);
        foreach (var line in lines)
        {
            var record = line.Record!;
            tx.ExpectVersion(record.Agent, record.Key, 0).WriteRaw(record.Agent, record.Key, record.Value);
        }

        return await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The lines among <paramref name="pending"/> whose record the conflict names and which hold the line's value byte
    /// for byte now; a conflicting record with another value stops the import.
    /// </summary>
    private async Task<List<DumpLine>> PresentAsync(List<DumpLine> pending, StatehouseConflictException conflict, ImportBatch batch, CancellationToken ct)
    {
        var present = new List<DumpLine>();
        foreach (var line in pending)
        {
            var record = line.Record!;
            if (conflict.ActualVersionOf(record.Agent, record.Key) is null)
            {
                continue;
            }

            var state = await client.GetStateAsync<Undecoded>(record.Agent, record.Key, @namespace, ct).ConfigureAwait(false);
            if (!state.Exists)
            {
                // Deleted since the conflict: the next round writes it.
                continue;
            }

            if (!state.RawValue!.Value.Span.SequenceEqual(record.Value))
            {
                throw new CliException(ExitCodes.Rejected,
                    $"{path}, line {line.Number}: agent '{record.Agent}' key '{record.Key}' exists already in namespace '{@namespace}' " +
                    $"(version {state.Version}, commit_ts {state.CommitTs}) with a different value; an import never overwrites. " +
                    $"Nothing of {batch.Describe()} was written by this transaction.");
            }

            present.Add(line);
        }

        return present;
    }

    /// <summary>
    /// The dump is read three times (checked, hashed, imported): a pipe (<c>/dev/stdin</c>, a process substitution) would
    /// be empty after the first read, and the import would end claiming the file changed.
    /// </summary>
    private void RequireSeekable()
    {
        try
        {
            using var file = File.OpenRead(path);
            if (!file.CanSeek)
            {
                throw CliException.Usage($"{path} is not a regular file (a pipe?): import reads the dump more than once, to check it and then to " +
                    "import it; save it to a file first (statehouse dump -o FILE)");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"Cannot read the dump {path}: {e.Message}");
        }
    }

    private async Task<byte[]> HashAsync(CancellationToken ct)
    {
        try
        {
            await using var file = File.OpenRead(path);
            return await SHA256.HashDataAsync(file, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"Cannot read the dump {path}: {e.Message}");
        }
    }

    /// <summary><c>import-</c> and 40 hex digits of SHA-256(file hash ‖ namespace ‖ first line ‖ last line).</summary>
    private string TxnId(byte[] fileHash, ImportBatch batch)
    {
        var ns = Encoding.UTF8.GetBytes(@namespace);
        var input = new byte[fileHash.Length + ns.Length + 1 + 8];
        fileHash.CopyTo(input, 0);
        ns.CopyTo(input, fileHash.Length);
        var at = fileHash.Length + ns.Length + 1;
        BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(at), batch.FirstLine);
        BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(at + 4), batch.LastLine);
        return Id(input);
    }

    /// <summary>The txn_id of what remains of a transaction after a conflict: derived from its id and the remaining lines.</summary>
    private static string RestTxnId(string txnId, List<DumpLine> rest)
    {
        var text = txnId + ":rest:" + string.Join(',', rest.Select(l => l.Number));
        return Id(Encoding.UTF8.GetBytes(text));
    }

    private static string Id(byte[] input) => "import-" + Convert.ToHexStringLower(SHA256.HashData(input))[..40];

    private static long Size(DumpRecord record) =>
        record.Value.Length + (2 * (Encoding.UTF8.GetByteCount(record.Agent) + Encoding.UTF8.GetByteCount(record.Key))) + OperationOverhead;
}
