using System.Diagnostics;
using System.Globalization;
using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Soak.Journal;

namespace Statehouse.Soak.Load;

/// <summary>
/// The client sub-mode: runs its share of the transactions, <see cref="ClientArguments.InFlight"/> at a time (and at
/// most <see cref="ClientArguments.Rate"/> per second when given), through the real <see cref="StatehouseClient"/>,
/// journals every outcome and prints <c>progress N S</c> after each one: N finished so far, S the Unix time in
/// milliseconds at which that transaction started if it was acknowledged as committed, else 0 (the orchestrator times
/// its kills by N and measures how long commits stopped after a fault by S). Exits when its standard input closes, so
/// that it never outlives the orchestrator.
/// </summary>
internal static class ClientRun
{
    public const string ProgressPrefix = "progress ";

    /// <summary>Reads a progress line: finished so far, and the committed transaction's start (0 when it did not commit).</summary>
    public static bool TryParseProgress(string line, out int finished, out long committedStartUnixMs)
    {
        (finished, committedStartUnixMs) = (0, 0);
        if (!line.StartsWith(ProgressPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var fields = line[ProgressPrefix.Length..].Split(' ');
        return int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out finished)
            && (fields.Length < 2 || long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out committedStartUnixMs));
    }

    public static async Task<int> MainAsync(ClientArguments arguments, TextWriter output, TextWriter errors)
    {
        // Not disposed: the watcher may cancel it at any moment until the process exits.
        var orphaned = new CancellationTokenSource();

        // On its own thread: reading the console stream blocks even through ReadAsync.
        _ = Task.Run(() => WatchParentAsync(orphaned));
        try
        {
            return await RunAsync(arguments, output, orphaned.Token);
        }
        catch (OperationCanceledException) when (orphaned.IsCancellationRequested)
        {
            await errors.WriteLineAsync("soak client: standard input closed (the orchestrator is gone); stopping");
            return 3;
        }
    }

    private static async Task<int> RunAsync(ClientArguments args, TextWriter output, CancellationToken ct)
    {
        var options = new StatehouseClientOptions
        {
            Uris = [.. args.Brokers],
            QueuePrefix = args.Prefix,
            CommitTimeout = Workload.CommitTimeout,
            MaxCommitAttempts = args.CommitAttempts,
            ReadTimeout = Workload.ReadTimeout,
            MaxReadAttempts = 2,
            ClientName = $"statehouse-soak-client-{args.Index}",
        };

        await using var client = await StatehouseClient.ConnectAsync(options, ct);
        using var journal = JournalFile.Create(args.JournalPath);
        var next = -1;
        var finished = 0;
        var started = Stopwatch.GetTimestamp();
        var lanes = Enumerable.Range(0, args.InFlight).Select(async lane =>
        {
            // A lane's choices depend only on the seed, the client and the lane; timing decides the rest.
            var random = new Random(unchecked(args.Seed + (args.Index * 1_000_003) + (lane * 7919)));
            int sequence;
            while ((sequence = Interlocked.Increment(ref next)) < args.Count)
            {
                if (args.Rate > 0 && TimeSpan.FromSeconds(sequence / args.Rate) - Stopwatch.GetElapsedTime(started) is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, ct);
                }

                var plan = TransactionPlan.Create(random, args.Index, sequence, args.Agents);
                var startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var entry = await ExecuteAsync(client, plan, ct);
                journal.Append(entry);
                var committedStart = entry.Status == JournalStatus.Committed ? startedAt : 0;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{ProgressPrefix}{Interlocked.Increment(ref finished)} {committedStart}"));
            }
        });
        await Task.WhenAll(lanes);
        return 0;
    }

    private static async Task<JournalEntry> ExecuteAsync(StatehouseClient client, TransactionPlan plan, CancellationToken ct)
    {
        await using var tx = client.BeginTransaction(txnId: plan.TxnId);
        JournalExpectation? expected = null;
        if (plan.ExpectFirst)
        {
            var target = plan.Operations[0];
            try
            {
                var state = await client.GetStateAsync<object>(target.Agent, target.Key, ct: ct);
                expected = new JournalExpectation(target.Agent, target.Key, state.Version);
                tx.ExpectVersion(target.Agent, target.Key, state.Version);
            }
            catch (StatehouseException e) when (e.Code == ErrorCode.None)
            {
                // The worker is down (being restarted): commit without the precondition rather than wait.
            }
        }

        foreach (var operation in plan.Operations)
        {
            if (operation.Delete)
            {
                tx.Delete(operation.Agent, operation.Key);
            }
            else
            {
                tx.Write(operation.Agent, operation.Key, operation.Value);
            }
        }

        try
        {
            var result = await tx.CommitAsync(ct);
            var versions = plan.Operations.Select(o => o with { Version = result.VersionOf(o.Agent, o.Key) }).ToList();
            return new JournalEntry(plan.TxnId, JournalStatus.Committed, result.CommitTs, null, versions, expected);
        }
        catch (StatehouseException e) when (e.Code == ErrorCode.None)
        {
            // Timed out on every attempt (or the broker refused the publish): the worker may still apply it.
            return new JournalEntry(plan.TxnId, JournalStatus.InDoubt, 0, null, plan.Operations, expected);
        }
        catch (StatehouseException e)
        {
            return new JournalEntry(plan.TxnId, JournalStatus.Rejected, 0, ErrorCodeNames.ToWireName(e.Code), plan.Operations, expected);
        }
    }

    private static async Task WatchParentAsync(CancellationTokenSource orphaned)
    {
        // The orchestrator holds our standard input open for as long as it lives.
        using var input = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (await input.ReadAsync(buffer) > 0)
        {
        }

        await orphaned.CancelAsync();
    }
}
