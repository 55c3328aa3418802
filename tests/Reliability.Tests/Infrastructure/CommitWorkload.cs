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
    private readonly TaskCompletionSource _firstCommit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<WorkloadCall> Calls => [.. _calls];

    /// <summary>Completes when any call returned a commit (e.g. to start a fault only once the load is flowing).</summary>
    public Task FirstCommit => _firstCommit.Task;

    public static string Agent(int client) => $"client-{client}";

    public static string Key(int sequence) => $"k{sequence:D6}";

    public static string Value(int client, int sequence) => $"client {client} value {sequence}";

    /// <summary>
    /// Runs one sequential loop per client until <paramref name="stop"/> is cancelled; the calls in flight then still
    /// finish (bounded by the clients' own timeouts), so every call is accounted for.
    /// </summary>
    public Task RunAsync(IReadOnlyList<StatehouseClient> clients, CancellationToken stop, CancellationToken ct) =>
        Task.WhenAll(clients.Select((client, index) => Task.Run(() => RunClientAsync(client, index, stop, ct), CancellationToken.None)));

    /// <summary>Commits the transaction of <paramref name="call"/> again under the same txn_id, as a client retrying after a timeout would.</summary>
    public static Task<CommitResult> ResendAsync(StatehouseClient client, WorkloadCall call, CancellationToken ct) =>
        CommitAsync(client, call.Client, call.Sequence, call.TxnId, ct);

    /// <summary>
    /// Checks every call against the replayed log: a returned commit is applied exactly once at its commit_ts, with
    /// the versions the reply reported and the values staged; a timed-out one at most once, and if so whole; no call
    /// failed any other way. Returns the violations (empty = fine).
    /// </summary>
    public static List<string> Verify(IEnumerable<WorkloadCall> calls, CommitLog log)
    {
        var violations = new List<string>();
        foreach (var call in calls)
        {
            var applied = log.CommitTsOf(call.TxnId);
            if (call.Result is { } result)
            {
                if (result.TxnId != call.TxnId || applied.Count != 1 || applied[0] != result.CommitTs)
                {
                    violations.Add($"{call}: the log has it at commit_ts [{string.Join(", ", applied)}]");
                    continue;
                }

                violations.AddRange(CheckEvent(call, log, result));
            }
            else if (call.TimedOut)
            {
                if (applied.Count == 1)
                {
                    violations.AddRange(CheckEvent(call, log, null));
                }
            }
            else
            {
                violations.Add($"{call}: failed with something other than a timeout");
            }
        }

        return violations;
    }

    private static IEnumerable<string> CheckEvent(WorkloadCall call, CommitLog log, CommitResult? result)
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

        if (result is not null && (result.VersionOf(call.AgentId, CounterKey) != counter.Version || result.VersionOf(call.AgentId, Key(call.Sequence)) != 1))
        {
            yield return $"{call}: the reply's versions [{string.Join(", ", result.Versions)}] differ from the log's {written}, {counter}";
        }
    }

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
                _firstCommit.TrySetResult();
            }
            catch (StatehouseException e)
            {
                error = e;
            }

            _calls.Enqueue(new WorkloadCall(index, sequence, txnId, started, DateTimeOffset.UtcNow, result, error));
        }
    }
}
