namespace Statehouse.Worker.Storage;

/// <summary>Keeps the store's database open for the duration of one read; dispose to release.</summary>
internal readonly struct ReadLease(ReaderWriterLockSlim reopenLock) : IDisposable
{
    public void Dispose() => reopenLock.ExitReadLock();
}
