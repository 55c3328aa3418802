using System.Diagnostics;
using System.Globalization;

namespace Statehouse.Bench.Processes;

/// <summary>
/// Process and machine figures: CPU time and resident set through <see cref="Process"/> (which reads /proc), the
/// broker's process by its listening socket and the machine's busy time from /proc (Linux only).
/// </summary>
internal static class ProcFs
{
    /// <summary>User plus system CPU time of each process still there, by pid.</summary>
    public static Dictionary<int, TimeSpan> CpuTimes(IEnumerable<int> pids)
    {
        var times = new Dictionary<int, TimeSpan>();
        foreach (var pid in pids)
        {
            if (Read(pid, p => p.TotalProcessorTime) is { } cpu)
            {
                times[pid] = cpu;
            }
        }

        return times;
    }

    /// <summary>
    /// The processes named <paramref name="comm"/> that listen on one of the TCP <paramref name="ports"/> (found through
    /// the socket inodes of /proc/net/tcp*): one per port for the nodes of a local cluster. When none can be matched,
    /// all processes of that name: on a shared machine there may be other Erlang VMs (every rabbitmqctl call is one)
    /// besides the broker.
    /// </summary>
    public static IReadOnlyList<int> FindListening(string comm, IReadOnlyCollection<int> ports)
    {
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in (TryRead(table) ?? "").Split('\n').Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                const string listen = "0A";
                if (fields.Length > 9 && fields[3] == listen
                    && ports.Contains(int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
                {
                    sockets.Add($"socket:[{fields[9]}]");
                }
            }
        }

        var candidates = FindByName(comm);
        var listening = candidates.Where(pid => HasAnySocket(pid, sockets)).ToList();
        return listening.Count > 0 ? listening : candidates;
    }

    /// <summary>Resident set size now (VmRSS), in bytes; null when the process is gone.</summary>
    public static long? RssBytes(int pid) => Read(pid, p => p.WorkingSet64);

    /// <summary>Peak resident set size since the process started (VmHWM), in bytes; null when the process is gone.</summary>
    public static long? PeakRssBytes(int pid) => Read(pid, p => p.PeakWorkingSet64);

    /// <summary>The processes whose name (the executable's, as /proc gives it) is <paramref name="name"/>.</summary>
    public static IReadOnlyList<int> FindByName(string name)
    {
        var processes = Process.GetProcessesByName(name);
        var pids = processes.Select(p => p.Id).ToList();
        foreach (var process in processes)
        {
            process.Dispose();
        }

        return pids;
    }

    /// <summary>Jiffies the whole machine spent busy and in total since boot (first line of /proc/stat).</summary>
    public static (long Busy, long Total) MachineTicks()
    {
        var line = File.ReadLines("/proc/stat").First();
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var total = values.Take(8).Sum();
        // idle + iowait
        var idle = values[3] + values[4];
        return (total - idle, total);
    }

    private static bool HasAnySocket(int pid, HashSet<string> sockets)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
                .Any(fd => new FileInfo(fd).LinkTarget is { } target && sockets.Contains(target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static T? Read<T>(int pid, Func<Process, T> read)
        where T : struct
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return read(process);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
