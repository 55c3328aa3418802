namespace Statehouse.Bench.Load;

/// <summary>What the measured window saw: completed transactions, failures, and their latency.</summary>
internal sealed record LoadResult(long Transactions, long Errors, double Seconds, LatencySummary Latency, string? FirstError)
{
    public double TxPerSecond => Seconds > 0 ? Transactions / Seconds : 0;
}
