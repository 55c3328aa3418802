using System.Collections.Concurrent;
using Statehouse.Client;
using Statehouse.Client.Exceptions;

namespace Statehouse.Replication.Tests.Infrastructure;

/// <summary>
/// Clients committing concurrently, one transaction after another each, until stopped: transaction n of client c
/// writes a fresh key and the client's counter under agent <c>client-c</c>, with txn_id <c>&lt;label&gt;-c&lt;c&gt;-&lt;n&gt;</c>.
/// Every call is recorded; <see cref="SettleAsync"/> then resolves the calls that threw (resent under their txn_id, as
/// a client retrying would) and returns the acknowledged commits, txn_id → commit_ts, for <see cref="StoreAudit"/>.
/// </summary>
internal sealed class CommitLoad(string label)
{
    public const string CounterKey = "counter";

    private readonly ConcurrentQueue<CommitCall> _calls = new();
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _acknowledged;

    public IReadOnlyList<CommitCall> Calls => [.. _calls];

    /// <summary>Commits acknowledged so far.</summary>
    public int Acknowledged => Volatile.Read(ref _acknowledged);

    public static string Agent(int client) => $"client-{client}";

    public static string Key(int sequence) => $"k{sequence:D6}";

    /// <summary>Starts one loop per client; each runs until <see cref="StopAsync"/>.</summary>
    public void Start(IReadOnlyList<StatehouseClient> clients, CancellationToken ct)
    {
        for (var i = 0; i < clients.Count; i++)
        {
            var (client, index) = (clients[i], i);
            _loops.Add(Task.Run(() => RunClientAsync(client, index, ct), CancellationToken.None));
        }
    }

    /// <summary>Waits until <paramref name="more"/> more commits than now were acknowledged.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message says how many came.</exception>
    public Task WaitForMoreAsync(int more, TimeSpan timeout, CancellationToken ct) => WaitForAsync(Acknowledged + more, timeout, ct);

    /// <summary>Waits until <paramref name="count"/> commits in all were acknowledged.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message says how many came.</exception>
    public async Task WaitForAsync(int count, TimeSpan timeout, CancellationToken ct)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_acknowledged >= count)
            {
                return;
            }

            _waiters.Add((count, reached));
        }

        try
        {
            await reached.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException e)
        {
            var failed = Calls.Where(c => c.Error is not null).TakeLast(3).Select(c => c.ToString());
            throw new TimeoutException(
                $"{Acknowledged} commits acknowledged, not {count}, within {timeout.TotalSeconds} s; last failed calls: {string.Join(" | ", failed)}", e);
        }
    }

    /// <summary>The first acknowledgement received at or after <paramref name="moment"/>, if any.</summary>
    public DateTimeOffset? FirstAcknowledgedAfter(DateTimeOffset moment) =>
        Calls.Where(c => c.Result is not null && c.Ended >= moment).Select(c => (DateTimeOffset?)c.Ended).Min();

    /// <summary>Stops the loops and waits until every call in flight has returned (bounded by the clients' own attempts).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).WaitAsync(timeout);
    }

    /// <summary>
    /// After <see cref="StopAsync"/>: resends every call that threw under its txn_id through <paramref name="client"/>
    /// (the worker answers one it applied with its first commit_ts, and applies one it never saw), and returns every
    /// acknowledged commit, txn_id → commit_ts.
    /// </summary>
    /// <exception cref="StatehouseException">A resend failed too.</exception>
    public async Task<Dictionary<string, long>> SettleAsync(StatehouseClient client, CancellationToken ct)
    {
        var acknowledged = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var call in Calls)
        {
            var result = call.Result ?? await CommitAsync(client, call.Client, call.Sequence, call.TxnId, ct);
            acknowledged.Add(call.TxnId, result.CommitTs);
        }

        return acknowledged;
    }

    /// <summary>One line: calls, acknowledged, failed by kind, the longest call.</summary>
    public string Describe()
    {
        var calls = Calls;
        var timedOut = calls.Count(c => c.Error is StatehouseTimeoutException);
        var otherErrors = calls.Where(c => c.Error is not null and not StatehouseTimeoutException).ToList();
        var longest = calls.Count == 0 ? 0 : calls.Max(c => (c.Ended - c.Started).TotalSeconds);
        return $"calls={calls.Count} acknowledged={calls.Count(c => c.Result is not null)} timed_out={timedOut} other_errors={otherErrors.Count} " +
            $"longest_call={longest:F1}s" + (otherErrors.Count > 0 ? $" first_error=[{otherErrors[0]}]" : "");
    }

    private static async Task<CommitResult> CommitAsync(StatehouseClient client, int clientIndex, int sequence, string txnId, CancellationToken ct)
    {
        await using var tx = client.BeginTransaction(txnId: txnId);
        tx.Write(Agent(clientIndex), Key(sequence), $"client {clientIndex} value {sequence}")
          .Write(Agent(clientIndex), CounterKey, sequence);
        return await tx.CommitAsync(ct);
    }

    private async Task RunClientAsync(StatehouseClient client, int index, CancellationToken ct)
    {
        for (var sequence = 1; !_stop.IsCancellationRequested && !ct.IsCancellationRequested; sequence++)
        {
            var txnId = $"{label}-c{index}-{sequence}";
            var started = DateTimeOffset.UtcNow;
            CommitResult? result = null;
            Exception? error = null;
            try
            {
                result = await CommitAsync(client, index, sequence, txnId, ct);
            }
            catch (StatehouseException e)
            {
                error = e;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }

            _calls.Enqueue(new CommitCall(index, sequence, txnId, started, DateTimeOffset.UtcNow, result, error));
            if (result is not null)
            {
                Acknowledge();
            }
        }
    }

    private void Acknowledge()
    {
        List<TaskCompletionSource> reached;
        lock (_lock)
        {
            _acknowledged++;
            reached = [.. _waiters.Where(w => w.Count <= _acknowledged).Select(w => w.Reached)];
            _waiters.RemoveAll(w => w.Count <= _acknowledged);
        }

        reached.ForEach(r => r.TrySetResult());
    }
}
