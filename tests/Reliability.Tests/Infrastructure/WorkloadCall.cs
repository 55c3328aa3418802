using Statehouse.Client;
using Statehouse.Client.Exceptions;

namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>One commit call of a <see cref="CommitWorkload"/>: which transaction, how long it took and how it ended.</summary>
internal sealed record WorkloadCall(int Client, int Sequence, string TxnId, DateTimeOffset Started, DateTimeOffset Ended, CommitResult? Result, Exception? Error)
{
    public TimeSpan Elapsed => Ended - Started;

    public bool TimedOut => Error is StatehouseTimeoutException;

    public string AgentId => CommitWorkload.Agent(Client);

    public override string ToString() =>
        $"client {Client} #{Sequence} txn {TxnId} after {Elapsed.TotalSeconds:F1} s: " +
        (Result is { } r ? $"commit_ts {r.CommitTs}" : $"{Error?.GetType().Name}: {Error?.Message}");
}
