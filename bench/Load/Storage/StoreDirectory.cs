using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Statehouse.Bench.Storage;

/// <summary>
/// The benchmark stores' directories (by default under the repository's git-ignored <c>.state/bench-storage</c>, on
/// the same disk a worker's store would use): fresh ones, their size, and how to drop their pages from the OS page
/// cache so that a read is cold without touching any other process's cached files.
/// </summary>
internal static partial class StoreDirectory
{
    private const int PosixFadviseDontNeed = 4;

    /// <summary>A fresh, empty directory <paramref name="name"/> under <paramref name="root"/>.</summary>
    public static string Fresh(string root, string name)
    {
        var path = Path.Combine(root, name);
        Delete(path);
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>Sum of the sizes of the files below <paramref name="path"/>.</summary>
    public static long SizeBytes(string path) =>
        new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    /// <summary>
    /// Writes back and evicts every file of <paramref name="path"/> from the page cache (fdatasync, then
    /// posix_fadvise DONTNEED), so the next read of them comes from the disk. Returns the number of files evicted.
    /// </summary>
    public static int EvictFromPageCache(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("cold reads need posix_fadvise (Linux)");
        }

        var evicted = 0;
        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            SafeFileHandle handle;
            try
            {
                handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException)
            {
                // A compaction removed it meanwhile: nothing of it is left to read.
                continue;
            }

            using (handle)
            {
                // Only clean pages can be dropped: write any dirty ones back first.
                if (FDataSync(handle) != 0)
                {
                    throw new IOException($"fdatasync of '{file}' failed (errno {Marshal.GetLastPInvokeError()})");
                }

                var error = PosixFadvise(handle, 0, 0, PosixFadviseDontNeed);
                if (error != 0)
                {
                    throw new IOException($"posix_fadvise of '{file}' failed (errno {error})");
                }
            }

            evicted++;
        }

        return evicted;
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(SafeFileHandle fd);

    // Returns the error number itself rather than setting errno.
    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(SafeFileHandle fd, long offset, long length, int advice);
}
