using System.Runtime.InteropServices;

namespace Statehouse.Worker.Hosting;

/// <summary>
/// glibc gives every thread that allocates its own malloc arena, up to eight per core. RocksDB allocates from its
/// flush and compaction threads and the commit loop, and each arena keeps freed memory: in a load run that was 25-30 MB
/// of the worker's RSS for no throughput. Two arenas are enough for one writer and a few readers. MALLOC_ARENA_MAX in
/// the environment still wins.
/// </summary>
internal static class NativeHeap
{
    private const int ArenaMaxParameter = -8; // M_ARENA_MAX in malloc.h
    private const int Arenas = 2;
    private const int MmapThresholdParameter = -3; // M_MMAP_THRESHOLD in malloc.h
    private const int MmapThresholdBytes = 128 << 10; // glibc's initial value, now fixed

    public static void LimitMallocArenas()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return;
        }

        try
        {
            _ = MallOpt(ArenaMaxParameter, Arenas);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl on Alpine has no arenas to limit).
        }
    }

    /// <summary>
    /// Keeps large blocks (WriteBatches of big values, memtable arena blocks) on mmap, so that they go back to the system
    /// when freed. By default glibc raises its mmap threshold to the largest block freed so far (up to 32 MiB), after
    /// which such blocks come from the heap and their memory stays with the process: about 80 MB of peak RSS in a
    /// backlog of 8 MiB transactions. MALLOC_MMAP_THRESHOLD_ in the environment still wins.
    /// </summary>
    public static void MapLargeBlocks()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null)
        {
            return;
        }

        try
        {
            _ = MallOpt(MmapThresholdParameter, MmapThresholdBytes);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc.
        }
    }

    /// <summary>
    /// Returns the free memory of every malloc arena to the system every <paramref name="interval"/>. RocksDB frees
    /// memtables and blocks on other threads than the ones that allocated them, and glibc keeps such memory in its
    /// arenas; without this the worker's RSS crept up with the store's age while RocksDB's own accounting stayed flat.
    /// </summary>
    public static IDisposable? TrimPeriodically(TimeSpan interval)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        return new Timer(_ => Trim(), null, interval, interval);
    }

    private static void Trim()
    {
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);
}
