using System.Runtime.InteropServices;

namespace Statehouse.Worker.Hosting;

/// <summary>
/// glibc gives every thread that allocates its own malloc arena, up to eight per core. RocksDB allocates from its
/// flush and compaction threads and the commit loop, and each arena keeps freed memory: in a load run that was 25-30 MB
/// of the worker's RSS for no throughput. Two arenas are enough for one writer and a few readers. MALLOC_ARENA_MAX in
/// the environment still wins.
/// </summary>
internal static class NativeMemory
{
    private const int ArenaMaxParameter = -8; // M_ARENA_MAX in malloc.h
    private const int Arenas = 2;

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

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);
}
