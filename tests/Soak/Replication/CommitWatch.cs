namespace Statehouse.Soak.Replication;

/// <summary>
/// The clients' acknowledged commits as the orchestrator hears of them (from their progress lines): lets a fault wait
/// for the first commit that a client started after the fault and that was acknowledged, which is when the deployment
/// commits again. Times are Unix milliseconds of this machine's clock (clients and orchestrator share it).
/// </summary>
internal sealed class CommitWatch
{
    private readonly Lock _lock = new();
    private readonly List<(long After, TaskCompletionSource<long> Acknowledged)> _waiters = [];

    /// <summary>A client reported an acknowledged commit that it started at <paramref name="startedUnixMs"/>.</summary>
    public void Observe(long startedUnixMs)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (_lock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (startedUnixMs > _waiters[i].After)
                {
                    _waiters[i].Acknowledged.TrySetResult(now);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>
    /// The Unix time (ms) at which the orchestrator heard of the first acknowledged commit started after
    /// <paramref name="afterUnixMs"/>; null when none came within <paramref name="timeout"/>.
    /// </summary>
    public async Task<long?> FirstCommitStartedAfterAsync(long afterUnixMs, TimeSpan timeout, CancellationToken ct)
    {
        var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiters.Add((afterUnixMs, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Acknowledged == seen);
            }

            return null;
        }
    }
}
