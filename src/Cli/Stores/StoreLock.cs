using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Stores;

/// <summary>
/// The lock a running worker holds on its store: RocksDB's, a POSIX record lock (<c>fcntl(F_SETLK)</c>, write lock over
/// the whole file) on the store's <c>LOCK</c> file, released when the process ends, also by SIGKILL. <see cref="Take"/>
/// takes the same lock through <see cref="FileStream.Lock"/> (on Linux that same <c>fcntl</c> call; .NET has it on
/// neither macOS nor FreeBSD, where this refuses), so a worker cannot open the store while the caller holds it, and the caller learns when
/// a worker has it open.
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream? _file;

    private StoreLock(FileStream? file) => _file = file;

    /// <summary>
    /// Takes the lock of the store in <paramref name="storePath"/> until disposed. A store without a <c>LOCK</c> file
    /// was never opened by RocksDB and nothing can hold it. Throws a <see cref="CliException"/> with
    /// <see cref="ExitCodes.StoreInUse"/> while another process holds it.
    /// </summary>
    public static StoreLock Take(string storePath)
    {
        var path = Path.Combine(storePath, "LOCK");
        if (!File.Exists(path))
        {
            return new StoreLock(null);
        }

        if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            throw new CliException(ExitCodes.Usage,
                $"This system cannot check whether a worker holds the store at '{storePath}' (.NET has no file region locks here); run this where the worker runs (Linux). Nothing was changed.");
        }

        // FileShare.ReadWrite: .NET's own advisory flock must not stand in for the record lock RocksDB uses.
        var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            file.Lock(0, 0);
            return new StoreLock(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // fcntl answers EAGAIN or EACCES for a lock another process holds.
            file.Dispose();
            throw new CliException(ExitCodes.StoreInUse,
                $"The store at '{storePath}' is in use: a process holds its LOCK (a running worker). Stop the worker that uses it, then run this again; nothing was changed.", e);
        }
    }

    public void Dispose() => _file?.Dispose();
}
