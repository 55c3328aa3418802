using System.Collections.Concurrent;
using System.Diagnostics;
using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Crash;

/// <summary>
/// Several clients stream transactions while the worker is SIGKILLed (or, as a control, stopped with SIGTERM) at
/// random moments and restarted. Afterwards:
/// every acknowledged commit is present with its values and reported commit_ts, no transaction is partially visible,
/// none is applied twice, commit_ts is gapless, and transactions whose commit never got an answer (in flight at a
/// kill, given up by the client) are applied exactly once too, because their messages were confirmed by the broker.
/// </summary>
public sealed class CrashDuringCommitStreamTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    private const int Clients = 4;
    private const int LanesPerClient = 4;
    private const int CommitAttempts = 4;
    private const string SharedAgent = "crash-shared";
    private const string BarrierAgent = "crash-barrier";
    private static readonly TimeSpan s_commitTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public Task Kill_RepeatedlyDuringStreamOfCommits_AckedPresentNonePartialNoneTwiceGapless() =>
        RunStreamWithStopsAsync(transactionsPerClient: 375, stops: 3, graceful: false);

    [Fact]
    public Task Stop_SigtermDuringStreamOfCommits_ExitsCleanlyAndLosesNothing() =>
        RunStreamWithStopsAsync(transactionsPerClient: 150, stops: 2, graceful: true);

    private async Task RunStreamWithStopsAsync(int transactionsPerClient, int stops, bool graceful)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var plans = PlanTransactions(transactionsPerClient);
        var total = plans.Count;
        var thresholds = Enumerable.Range(1, stops).Select(k => (total * k / (stops + 1)) + random.Next(-total / 12, total / 12)).ToArray();
        var thresholdReached = thresholds.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var acked = new ConcurrentDictionary<string, CommitResult>(StringComparer.Ordinal);
        var unanswered = new ConcurrentDictionary<string, StatehouseTimeoutException>(StringComparer.Ordinal);
        var errors = new ConcurrentBag<string>();
        var resent = 0;
        var ackedCount = 0;
        long lastAck = Stopwatch.GetTimestamp();

        await Scope.StartWorkerAsync();
        var clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Scope.ConnectClientAsync(o =>
        {
            o.CommitTimeout = s_commitTimeout;
            o.MaxCommitAttempts = CommitAttempts;
        })));
        var stopwatch = Stopwatch.StartNew();

        var streams = clients.SelectMany((client, c) => Enumerable.Range(0, LanesPerClient).Select(lane => Task.Run(async () =>
        {
            foreach (var plan in plans.Where(p => p.Client == c && p.Index % LanesPerClient == lane))
            {
                var started = Stopwatch.GetTimestamp();
                await using var tx = client.BeginTransaction(txnId: plan.TxnId);
                foreach (var (agent, key) in plan.Writes)
                {
                    tx.Write(agent, key, plan.Marker);
                }

                try
                {
                    acked[plan.TxnId] = await tx.CommitAsync(Ct);
                    var count = Interlocked.Increment(ref ackedCount);
                    Interlocked.Exchange(ref lastAck, Stopwatch.GetTimestamp());
                    for (var k = 0; k < thresholds.Length; k++)
                    {
                        if (count >= thresholds[k])
                        {
                            thresholdReached[k].TrySetResult();
                        }
                    }
                }
                catch (StatehouseTimeoutException e)
                {
                    // Published and confirmed, never answered: the worker must still apply it exactly once.
                    unanswered[plan.TxnId] = e;
                }
                catch (Exception e) when (e is StatehouseException or InvalidOperationException)
                {
                    errors.Add($"{plan.Marker} ({plan.TxnId}): {e.GetType().Name}: {e.Message}");
                }

                if (Stopwatch.GetElapsedTime(started) > s_commitTimeout)
                {
                    Interlocked.Increment(ref resent);
                }
            }
        }))).ToArray();
        var allStreams = Task.WhenAll(streams);

        var killLog = new List<string>();
        var exitCodes = new List<int>();
        for (var k = 0; k < stops; k++)
        {
            if (await Task.WhenAny(thresholdReached[k].Task, allStreams) == allStreams)
            {
                break;
            }

            // A random moment within the stream, not a wait for a result.
            await Task.Delay(random.Next(0, 40), Ct);
            var ackedAtKill = Volatile.Read(ref ackedCount);
            var sinceLastAck = Stopwatch.GetElapsedTime(Interlocked.Read(ref lastAck));
            var restart = Stopwatch.StartNew();
            if (graceful)
            {
                exitCodes.Add(await Scope.Worker.StopAsync());
            }
            else
            {
                await Scope.Worker.KillAsync();
            }

            var restarted = await Scope.StartWorkerAsync();
            killLog.Add($"{(graceful ? "SIGTERM" : "SIGKILL")} #{k + 1} at {ackedAtKill} acked ({sinceLastAck.TotalMilliseconds:F0} ms after the last ack), store reopened at {StoredCommitTs(restarted)}, worker back after {restart.Elapsed.TotalSeconds:F1} s");
        }

        await allStreams;
        stopwatch.Stop();

        // Everything published before the barrier is ahead of it in the single-consumer queue.
        var verifier = await Scope.ConnectClientAsync();
        var barrier = await CommitAsync(verifier, tx => tx.Write(BarrierAgent, "done", "barrier"));
        var raw = await Scope.CreateRawClientAsync();
        var leftInQueue = await raw.MessageCountAsync(Scope.Names.CommitQueue);
        var health = await verifier.HealthAsync(Ct);

        var events = new List<ReplayEvent>();
        foreach (var agent in Enumerable.Range(0, Clients).Select(AgentOf).Append(SharedAgent).Append(BarrierAgent))
        {
            events.AddRange(await verifier.ReplayAsync(agent, pageSize: 500, ct: Ct).ToListAsync(Ct));
        }

        var failures = new List<string>(errors);
        Verify(plans, acked, events, barrier, health.LastCommitTs, failures);
        await VerifyFinalStateAsync(verifier, plans, events, failures);

        Output.WriteLine($"seed {seed}: {total} transactions from {Clients} clients x {LanesPerClient} lanes in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Output.WriteLine($"stops: {killLog.Count}");
        killLog.ForEach(Output.WriteLine);
        Output.WriteLine($"acknowledged {acked.Count}, unanswered after {CommitAttempts} attempts {unanswered.Count} (applied once after restart), commits that needed a resend {resent}, errors {errors.Count}");
        Output.WriteLine($"max commit_ts {health.LastCommitTs} (= {total} transactions + 1 barrier), replayed events {events.Count}, left in commit queue {leftInQueue}");
        foreach (var failure in failures.Take(30))
        {
            Output.WriteLine("FAIL " + failure);
        }

        Assert.Equal(stops, killLog.Count);
        Assert.All(exitCodes, code => Assert.Equal(0, code));
        Assert.Equal(0u, leftInQueue);
        Assert.True(failures.Count == 0, $"{failures.Count} invariant violations, first: {string.Join(" | ", failures.Take(5))}");
        Assert.Equal(total + 1, health.LastCommitTs);
    }

    private static string AgentOf(int client) => $"crash-{client}";

    /// <summary>The last commit_ts the restarted worker found in the store (from its log; for the figures only).</summary>
    private static string StoredCommitTs(WorkerProcess worker) =>
        System.Text.RegularExpressions.Regex.Match(worker.Log, @"Opened the store .*last commit_ts (\d+)") is { Success: true } m ? "commit_ts " + m.Groups[1].Value : "an unknown commit_ts";

    /// <summary>Each transaction writes its own marker to 2 or 3 keys, one of them every third time in a shared agent.</summary>
    private static List<PlannedTransaction> PlanTransactions(int transactionsPerClient)
    {
        var plans = new List<PlannedTransaction>();
        for (var c = 0; c < Clients; c++)
        {
            for (var i = 0; i < transactionsPerClient; i++)
            {
                var writes = new List<(string, string)> { (AgentOf(c), $"k{i % 10}"), (AgentOf(c), $"m{i % 7}") };
                if (i % 3 == 0)
                {
                    writes.Add((SharedAgent, $"s{i % 5}"));
                }

                plans.Add(new PlannedTransaction(c, i, Envelopes.NewTxnId($"crash-c{c}-t{i}"), $"c{c}-t{i}", writes));
            }
        }

        return plans;
    }

    private static void Verify(
        List<PlannedTransaction> plans,
        ConcurrentDictionary<string, CommitResult> acked,
        List<ReplayEvent> events,
        CommitResult barrier,
        long lastCommitTs,
        List<string> failures)
    {
        var byTxn = events.GroupBy(e => e.TxnId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        foreach (var plan in plans)
        {
            if (!byTxn.TryGetValue(plan.TxnId, out var parts))
            {
                failures.Add($"{plan.Marker} ({plan.TxnId}) never applied{(acked.ContainsKey(plan.TxnId) ? " although acknowledged" : "")}");
                continue;
            }

            var commitTs = parts.Select(p => p.CommitTs).Distinct().ToList();
            if (commitTs.Count != 1)
            {
                failures.Add($"{plan.Marker} applied at several commit_ts: {string.Join(",", commitTs)}");
            }

            var operations = parts.SelectMany(p => p.Operations.Select(o => (p.AgentId, o.Key, Value: o.As<string>()))).ToList();
            var expected = plan.Writes.Select(w => (w.Agent, w.Key, Value: (string?)plan.Marker)).OrderBy(w => w.Agent).ThenBy(w => w.Key).ToList();
            if (!operations.OrderBy(o => o.AgentId).ThenBy(o => o.Key).SequenceEqual(expected))
            {
                failures.Add($"{plan.Marker} partially or wrongly visible: {string.Join(", ", operations)}");
            }

            if (acked.TryGetValue(plan.TxnId, out var result))
            {
                if (result.CommitTs != commitTs[0])
                {
                    failures.Add($"{plan.Marker} acknowledged with commit_ts {result.CommitTs} but stored at {commitTs[0]}");
                }

                foreach (var part in parts)
                {
                    foreach (var op in part.Operations)
                    {
                        if (result.VersionOf(part.AgentId, op.Key) != op.Version)
                        {
                            failures.Add($"{plan.Marker}: reply says {part.AgentId}/{op.Key} v{result.VersionOf(part.AgentId, op.Key)}, replay v{op.Version}");
                        }
                    }
                }
            }
        }

        var planned = plans.Select(p => p.TxnId).Append(barrier.TxnId).ToHashSet(StringComparer.Ordinal);
        failures.AddRange(byTxn.Keys.Where(t => !planned.Contains(t)).Select(t => $"unknown transaction {t} in replay"));

        // One transaction per commit_ts, and every commit_ts from 1 to the last one used.
        var txnPerTs = events.GroupBy(e => e.CommitTs).ToDictionary(g => g.Key, g => g.Select(e => e.TxnId).Distinct().ToList());
        failures.AddRange(txnPerTs.Where(kv => kv.Value.Count > 1).Select(kv => $"commit_ts {kv.Key} shared by {string.Join(",", kv.Value)}"));
        var missing = Enumerable.Range(1, (int)lastCommitTs).Where(ts => !txnPerTs.ContainsKey(ts)).ToList();
        if (missing.Count > 0)
        {
            failures.Add($"commit_ts gaps: {string.Join(",", missing.Take(20))}");
        }

        if (txnPerTs.Keys.Any(ts => ts > lastCommitTs))
        {
            failures.Add($"replay shows commit_ts above the last one {lastCommitTs}");
        }

        if (barrier.CommitTs != lastCommitTs)
        {
            failures.Add($"barrier commit_ts {barrier.CommitTs}, last {lastCommitTs}");
        }
    }

    /// <summary>Every key holds the marker of the last transaction (by commit_ts) that wrote it, at version = writes.</summary>
    private async Task VerifyFinalStateAsync(StatehouseClient verifier, List<PlannedTransaction> plans, List<ReplayEvent> events, List<string> failures)
    {
        var commitTsOf = events.GroupBy(e => e.TxnId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().CommitTs, StringComparer.Ordinal);
        var writesPerRecord = plans
            .Where(p => commitTsOf.ContainsKey(p.TxnId))
            .SelectMany(p => p.Writes.Select(w => (Record: w, Plan: p)))
            .GroupBy(x => x.Record);

        foreach (var writes in writesPerRecord)
        {
            var last = writes.MaxBy(w => commitTsOf[w.Plan.TxnId]).Plan;
            var state = await verifier.GetStateAsync<string>(writes.Key.Agent, writes.Key.Key, ct: Ct);
            if (state.Value != last.Marker || state.Version != writes.Count() || state.CommitTs != commitTsOf[last.TxnId])
            {
                failures.Add($"{writes.Key.Agent}/{writes.Key.Key}: stored '{state.Value}' v{state.Version} ts {state.CommitTs}, expected '{last.Marker}' v{writes.Count()} ts {commitTsOf[last.TxnId]}");
            }
        }
    }

    private sealed record PlannedTransaction(int Client, int Index, string TxnId, string Marker, IReadOnlyList<(string Agent, string Key)> Writes);
}
