using Microsoft.Extensions.Logging;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Opens the store at start. While another worker holds the store's lock this worker is a hot standby: it waits,
/// retrying, without touching the broker, and takes over the moment the lock is released (the holder stopped or died).
/// Meanwhile it follows the store as a RocksDB secondary instance, so health can report the store's real last commit_ts.
/// The one owner of the opened store: whatever works on it (the commit engine, reads, backups, the inbox pruner) is built
/// from <see cref="Store"/> after <see cref="OpenAsync"/> returned. A container singleton, so it disposes the store last.
/// </summary>
/// <param name="onSyncedWrite">Told the duration of every successful synced write of the store (see <see cref="StateStore.Open"/>).</param>
internal sealed class StoreOpener(StorageOptions options, Action<TimeSpan> onSyncedWrite, TimeProvider time, ILogger<StoreOpener> logger) : IDisposable
{
    private readonly Lock _secondaryLock = new();
    private readonly string _path = options.Path;
    private readonly StoreMemory _memory = new(options.BlockCacheBytes, options.WriteBufferBytes);
    private readonly bool _waitForLock = options.WaitForLock;
    private readonly TimeSpan _retryInterval = TimeSpan.FromSeconds(options.LockRetrySeconds);
    private StateStore? _store;
    private StoreSecondary? _secondary;

    /// <summary>
    /// The open store. Throws <see cref="InvalidOperationException"/> ("not open yet") before <see cref="OpenAsync"/>
    /// returned it: a collaborator that works on the store must not be built before the worker opened it.
    /// </summary>
    public StateStore Store => Volatile.Read(ref _store) ?? throw new InvalidOperationException(
        "The store is not open yet: the worker opens it at start (StoreOpener.OpenAsync, waiting as a standby while another " +
        "worker holds it); what works on the store is built after that.");

    /// <summary>False while starting, or while waiting as a standby for another worker's lock.</summary>
    public bool IsOpen => Volatile.Read(ref _store) is not null;

    /// <summary>
    /// While this worker waits as a standby: the store's last commit_ts as the active worker has written it (read from
    /// the secondary instance after catching up). Null when not waiting, or when the store cannot be read that way.
    /// </summary>
    public long? ReadStandbyLastCommitTs()
    {
        lock (_secondaryLock)
        {
            try
            {
                return _secondary?.ReadLastCommitTs();
            }
            catch (Exception e) when (e is StorageReadException or StoreOpenException)
            {
                logger.StandbyReadFailed(_path, e.Message);
                return null;
            }
        }
    }

    public async Task<StateStore> OpenAsync(CancellationToken cancellationToken)
    {
        var waitingSince = time.GetTimestamp();
        var announced = false;
        try
        {
            while (true)
            {
                try
                {
                    _store = StateStore.Open(_path, _memory, onSyncedWrite);
                    if (announced)
                    {
                        logger.StandbyTakingOver(_path, time.GetElapsedTime(waitingSince).TotalSeconds);
                    }

                    return _store;
                }
                catch (StoreLockedException e) when (_waitForLock)
                {
                    if (!announced)
                    {
                        // Before the line: once a standby says it waits, health can already report the store's figure.
                        OpenSecondary();
                        logger.StandbyWaiting(_path, e.Message);
                        announced = true;
                    }
                }

                await Task.Delay(_retryInterval, time, cancellationToken);
            }
        }
        finally
        {
            CloseSecondary();
        }
    }

    public void Dispose()
    {
        CloseSecondary();
        _store?.Dispose();
    }

    private void OpenSecondary()
    {
        lock (_secondaryLock)
        {
            try
            {
                _secondary ??= StoreSecondary.Open(_path);
            }
            catch (Exception e) when (e is StorageReadException or IOException)
            {
                // Health then says the store is not open, as before; taking over does not depend on it.
                logger.StandbyReadFailed(_path, e.Message);
            }
        }
    }

    private void CloseSecondary()
    {
        lock (_secondaryLock)
        {
            _secondary?.Dispose();
            _secondary = null;
        }
    }
}
