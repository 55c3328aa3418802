using Microsoft.Extensions.Logging;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Opens the store at start. While another worker holds the store's lock this worker is a hot standby: it waits,
/// retrying, without touching the broker, and takes over the moment the lock is released (the holder stopped or died).
/// Owns the opened store and disposes it last.
/// </summary>
internal sealed class StoreOpener(string path, StoreMemory memory, bool waitForLock, TimeSpan retryInterval, TimeProvider time, ILogger<StoreOpener> logger) : IDisposable
{
    private StateStore? _store;

    public StateStore Store => _store ?? throw new InvalidOperationException("The store is not open yet.");

    /// <summary>False while starting, or while waiting as a standby for another worker's lock.</summary>
    public bool IsOpen => Volatile.Read(ref _store) is not null;

    public async Task<StateStore> OpenAsync(CancellationToken cancellationToken)
    {
        var waitingSince = time.GetTimestamp();
        var announced = false;
        while (true)
        {
            try
            {
                _store = StateStore.Open(path, memory);
                if (announced)
                {
                    logger.StandbyTakingOver(path, time.GetElapsedTime(waitingSince).TotalSeconds);
                }

                return _store;
            }
            catch (StoreLockedException e) when (waitForLock)
            {
                if (!announced)
                {
                    logger.StandbyWaiting(path, e.Message);
                    announced = true;
                }
            }

            await Task.Delay(retryInterval, time, cancellationToken);
        }
    }

    public void Dispose() => _store?.Dispose();
}
