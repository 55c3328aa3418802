using Statehouse.Client;

namespace Statehouse.Replication.Tests.Infrastructure;

/// <summary>One commit call of a <see cref="CommitLoad"/>: which transaction, when, and how it ended.</summary>
/// <param name="Client">The client's index.</param>
/// <param name="Sequence">The client's transaction number, from 1.</param>
/// <param name="TxnId">The transaction's id.</param>
/// <param name="Started">When the call began.</param>
/// <param name="Ended">When it returned or threw.</param>
/// <param name="Result">The acknowledged commit; null when the call threw.</param>
/// <param name="Error">What it threw (a timeout after every attempt, or another failure); null when acknowledged.</param>
internal sealed record CommitCall(int Client, int Sequence, string TxnId, DateTimeOffset Started, DateTimeOffset Ended, CommitResult? Result, Exception? Error)
{
    public override string ToString() =>
        $"client {Client} #{Sequence} txn {TxnId} after {(Ended - Started).TotalSeconds:F1} s: " +
        (Result is { } r ? $"commit_ts {r.CommitTs}" : $"{Error?.GetType().Name}: {Error?.Message}");
}
