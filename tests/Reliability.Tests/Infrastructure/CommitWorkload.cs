using System.Collections.Concurrent;
using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;

namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>
/// Several clients committing one transaction after another until told to stop. Transaction n of client c writes a
/// fresh key (<see cref="Key"/>, a known value) and the client's counter (= n), so every reply can be checked against
/// the replayed log: its commit_ts, its versions and the stored values.
/// </summary>
internal sealed class CommitWorkload(string label)
{
    public const string CounterKey = "counter";

    private readonly ConcurrentQueue<WorkloadCall> _calls = new();
    private TaskCompletionSource _nextCommit = NewSignal();

    public IReadOnlyList<WorkloadCall> Calls => [.. _calls];

    /// <summary>
    /// Completes when the next call (from now on) returns a commit: to start a fault once the load flows, or to see
    /// when service came back after one.
    /// </summary>
    public Task NextCommit => Volatile.Read(ref _nextCommit).Task;

    public static string Agent(int client) => $"client-{client}";

    public static string Key(int sequence) => $"k{sequence:D6}";

    public static string Value(int client, int sequence) => $"client {client} value {sequence}";

    /// <summary>
    /// Runs the clients' loops around a fault: lets the load flow for <paramref name="pace"/>, runs
    /// <paramref name="fault"/> (which returns once the fault is over, e.g. the broker is back), waits for the first
    /// commit after it, lets the load flow again, then stops and waits until every call in flight has finished
    /// (bounded by the clients' own timeouts). Returns when service came back: the first commit after the fault.
    /// </summary>
    public async Task<DateTimeOffset> RunAroundAsync(
        IReadOnlyList<StatehouseClient> clients, TimeSpan pace, Func<Task> fault, TimeSpan recovery, CancellationToken ct)
    {
        using var stop = new CancellationTokenSource();
        var run = Task.WhenAll(clients.Select((client, index) => Task.Run(() => RunClientAsync(client, index, stop.Token, ct), CancellationToken.None)));
        await NextCommit.WaitAsync(recovery, ct);
        // Pacing, not waiting for a result: the load runs for a while before and after the fault.
        await Task.Delay(pace, ct);
        await fault();
        await NextCommit.WaitAsync(recovery, ct);
        var served = DateTimeOffset.UtcNow;
        await Task.Delay(pace, ct);
        await stop.CancelAsync();
        await run.WaitAsync(recovery, ct);
        return served;
    }

    /// <summary>
    /// After the run: commits every timed-out transaction again under its txn_id (as a client retrying would), then
    /// checks all calls against the replayed log (see <see cref="Verify"/>; a timed-out transaction thus must end up
    /// applied exactly once too) and against <paramref name="callBound"/>: no call may have hung.
    /// </summary>
    public async Task<WorkloadReport> CheckAsync(StatehouseClient client, TimeSpan callBound, CancellationToken ct)
    {
        var calls = Calls;
        var resent = new List<WorkloadCall>();
        foreach (var call in calls.Where(c => c.TimedOut))
        {
            var result = await CommitAsync(client, call.Client, call.Sequence, call.TxnId, ct);
            resent.Add(call with { Result = result, Error = null });
        }

        var health = await client.HealthAsync(ct);
        var log = await CommitLog.ReadAsync(client, "default", calls.Select(c => c.AgentId), ct);
        var violations = log.Violations(health.LastCommitTs);
        violations.AddRange(Verify(calls.Where(c => !c.TimedOut).Concat(resent), log));
        violations.AddRange(calls.Where(c => c.Elapsed > callBound).Select(c => $"{c}: took longer than {callBound.TotalSeconds} s"));
        return new WorkloadReport(calls, resent.Count, health.LastCommitTs, log.TransactionCount, violations);
    }

    /// <summary>
    /// Checks calls against the replayed log: each returned commit is applied exactly once, at its commit_ts, with the
    /// versions its reply reported and the values staged; a call without a commit failed other than by timing out.
    /// </summary>
    private static IEnumerable<string> Verify(IEnumerable<WorkloadCall> calls, CommitLog log)
    {
        foreach (var call in calls)
        {
            var applied = log.CommitTsOf(call.TxnId);
            if (call.Result is not { } result)
            {
                yield return $"{call}: failed with something other than a timeout";
            }
            else if (result.TxnId != call.TxnId || applied.Count != 1 || applied[0] != result.CommitTs)
            {
                yield return $"{call}: the log has it at commit_ts [{string.Join(", ", applied)}]";
            }
            else
            {
                foreach (var violation in CheckEvent(call, log, result))
                {
                    yield return violation;
                }
            }
        }
    }

    private static IEnumerable<string> CheckEvent(WorkloadCall call, CommitLog log, CommitResult result)
    {
        var replayed = log.EventOf(call.TxnId, call.AgentId);
        var written = replayed?.Operations.FirstOrDefault(o => o.Key == Key(call.Sequence));
        var counter = replayed?.Operations.FirstOrDefault(o => o.Key == CounterKey);
        if (replayed is null || written is null || counter is null || replayed.Operations.Count != 2)
        {
            yield return $"{call}: replayed as [{string.Join(", ", replayed?.Operations.Select(o => o.ToString()) ?? [])}], not as its two writes";
            yield break;
        }

        if (written.Kind != OperationKind.Write || written.As<string>() != Value(call.Client, call.Sequence) || written.Version != 1)
        {
            yield return $"{call}: {written} holds '{written.As<string>()}'";
        }

        if (counter.As<int>() != call.Sequence)
        {
            yield return $"{call}: the counter holds {counter.As<int>()}";
        }

        if ((result.VersionOf(call.AgentId, CounterKey) != counter.Version || result.VersionOf(call.AgentId, Key(call.Sequence)) != 1))
        {
            yield return $"{call}: the reply's versions [{string.Join(", ", result.Versions)}] differ from the log's {written}, {counter}";
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task<CommitResult> CommitAsync(StatehouseClient client, int clientIndex, int sequence, string txnId, CancellationToken ct)
    {
        await using var tx = client.BeginTransaction(txnId: txnId);
        tx.Write(Agent(clientIndex), Key(sequence), Value(clientIndex, sequence))
          .Write(Agent(clientIndex), CounterKey, sequence);
        return await tx.CommitAsync(ct);
    }

    private async Task RunClientAsync(StatehouseClient client, int index, CancellationToken stop, CancellationToken ct)
    {
        for (var sequence = 1; !stop.IsCancellationRequested; sequence++)
        {
            var txnId = $"{label}-c{index}-{sequence}";
            var started = DateTimeOffset.UtcNow;
            CommitResult? result = null;
            Exception? error = null;
            try
            {
                result = await CommitAsync(client, index, sequence, txnId, ct);
                Interlocked.Exchange(ref _nextCommit, NewSignal()).TrySetResult();
            }
            catch (StatehouseException e)
            {
                error = e;
            }

            _calls.Enqueue(new WorkloadCall(index, sequence, txnId, started, DateTimeOffset.UtcNow, result, error));
        }
    }
}
