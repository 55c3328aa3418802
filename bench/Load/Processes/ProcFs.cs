using System.Globalization;

namespace Statehouse.Bench.Processes;

/// <summary>Reads process and machine figures from /proc (Linux only).</summary>
internal static class ProcFs
{
    /// <summary>/proc reports CPU times in USER_HZ, which the kernel ABI fixes at 100 on every architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU time of a process, or null when it is gone.</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        var stat = TryRead($"/proc/{pid}/stat");
        if (stat is null)
        {
            return null;
        }

        // The command name (field 2) may contain spaces and parentheses: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary><see cref="CpuTime(int)"/> of each process still there.</summary>
    public static Dictionary<int, TimeSpan> CpuTimes(IEnumerable<int> pids)
    {
        var times = new Dictionary<int, TimeSpan>();
        foreach (var pid in pids)
        {
            if (CpuTime(pid) is { } cpu)
            {
                times[pid] = cpu;
            }
        }

        return times;
    }

    /// <summary>
    /// The processes named <paramref name="comm"/> that listen on TCP <paramref name="port"/> (found through the socket
    /// inodes of /proc/net/tcp*), or all processes of that name when none can be matched: on a shared machine there may
    /// be other Erlang VMs (every rabbitmqctl call is one) besides the broker.
    /// </summary>
    public static IReadOnlyList<int> FindListening(string comm, int port)
    {
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in (TryRead(table) ?? "").Split('\n').Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                const string listen = "0A";
                if (fields.Length > 9 && fields[3] == listen
                    && int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    sockets.Add($"socket:[{fields[9]}]");
                }
            }
        }

        var candidates = FindByName(comm);
        var listening = candidates.Where(pid => HasAnySocket(pid, sockets)).ToList();
        return listening.Count > 0 ? listening : candidates;
    }

    /// <summary>Resident set size now (VmRSS), in bytes.</summary>
    public static long? RssBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    /// <summary>Peak resident set size since the process started (VmHWM), in bytes.</summary>
    public static long? PeakRssBytes(int pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

    /// <summary>Processes whose command name (/proc/pid/comm) is <paramref name="comm"/> and are not zombies.</summary>
    public static IReadOnlyList<int> FindByName(string comm)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (TryRead($"{dir}/comm")?.Trim() == comm && CpuTime(pid) is not null)
            {
                found.Add(pid);
            }
        }

        return found;
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

    private static long? StatusKilobytes(int pid, string field)
    {
        var status = TryRead($"/proc/{pid}/status");
        if (status is null)
        {
            return null;
        }

        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var value = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
