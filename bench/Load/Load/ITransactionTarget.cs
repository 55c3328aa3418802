namespace Statehouse.Bench.Load;

/// <summary>Something that commits one transaction of the load's shape: Statehouse (worker or echo) or PostgreSQL.</summary>
internal interface ITransactionTarget : IAsyncDisposable
{
    /// <summary>Commits the <paramref name="sequence"/>-th transaction of <paramref name="slot"/>; returns when it is durable (or echoed).</summary>
    Task CommitAsync(int slot, long sequence, CancellationToken ct);
}
