using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Statehouse.Bench.Results;

namespace Statehouse.Bench.Processes;

/// <summary>Describes the machine for every mode and the storage benchmarks: CPU, memory, kernel, the disk under the stores and how fast it syncs.</summary>
internal static class MachineProbe
{
    public static MachineInfo Describe(string storeDirectory, string? brokerVersion, string? postgresVersion)
    {
        Directory.CreateDirectory(storeDirectory);
        var cpuModel = ProcFs.TryRead("/proc/cpuinfo")?.Split('\n')
            .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memKb = ProcFs.TryRead("/proc/meminfo")?.Split('\n')
            .FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?["MemTotal:".Length..].Trim().Split(' ')[0];
        var os = ProcFs.TryRead("/etc/os-release")?.Split('\n')
            .FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription;
        return new MachineInfo(
            Environment.ProcessorCount,
            cpuModel,
            memKb is null ? 0 : long.Parse(memKb, CultureInfo.InvariantCulture) * 1024,
            ProcFs.TryRead("/proc/sys/kernel/osrelease")?.Trim() ?? RuntimeInformation.OSDescription,
            os,
            RuntimeInformation.FrameworkDescription,
            DescribeDisk(storeDirectory),
            ProbeFsync(storeDirectory, 200),
            brokerVersion,
            postgresVersion);
    }

    /// <summary>The 1, 5 and 15 minute load averages: on a shared machine, how much else wanted the cores meanwhile.</summary>
    public static string LoadAverage() =>
        ProcFs.TryRead("/proc/loadavg") is { } load ? string.Join(", ", load.Split(' ').Take(3)) : "unknown";

    private static DiskInfo DescribeDisk(string directory)
    {
        var full = Path.GetFullPath(directory);
        string mountPoint = "/", fileSystem = "unknown", device = "unknown";
        foreach (var line in ProcFs.TryRead("/proc/self/mountinfo")?.Split('\n') ?? [])
        {
            var parts = line.Split(" - ");
            if (parts.Length != 2)
            {
                continue;
            }

            var point = parts[0].Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal);
            var inside = full == point || full.StartsWith(point.TrimEnd('/') + "/", StringComparison.Ordinal);
            if (inside && point.Length >= mountPoint.Length)
            {
                var tail = parts[1].Split(' ');
                (mountPoint, fileSystem, device) = (point, tail[0], tail[1]);
            }
        }

        string? model = null;
        bool? rotational = null;
        if (device.StartsWith("/dev/", StringComparison.Ordinal))
        {
            var disk = WholeDisk(Path.GetFileName(device));
            model = ProcFs.TryRead($"/sys/block/{disk}/device/model")?.Trim();
            rotational = ProcFs.TryRead($"/sys/block/{disk}/queue/rotational")?.Trim() switch
            {
                "0" => false,
                "1" => true,
                _ => null,
            };
        }

        return new DiskInfo(mountPoint, fileSystem, device, string.IsNullOrEmpty(model) ? null : model, rotational);
    }

    /// <summary>The disk a partition belongs to (sda1 → sda, nvme0n1p2 → nvme0n1): the parent folder of its /sys entry.</summary>
    private static string WholeDisk(string name)
    {
        try
        {
            var link = new DirectoryInfo($"/sys/class/block/{name}").ResolveLinkTarget(returnFinalTarget: true);
            if (link is not null && File.Exists(Path.Combine(link.FullName, "partition")))
            {
                return Path.GetFileName(Path.GetDirectoryName(link.FullName)!);
            }
        }
        catch (IOException)
        {
        }

        return name;
    }

    private static FsyncProbe ProbeFsync(string directory, int count)
    {
        var path = Path.Combine(directory, $"fsync-probe-{Environment.ProcessId}");
        var block = new byte[4096];
        var times = new double[count];
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            for (var i = 0; i < count; i++)
            {
                var started = Stopwatch.GetTimestamp();
                file.Write(block);
                file.Flush(flushToDisk: true);
                times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }
        finally
        {
            File.Delete(path);
        }

        Array.Sort(times);
        var mean = times.Average();
        return new FsyncProbe(count, times[count / 2], times[(int)Math.Ceiling(count * 0.99) - 1], mean > 0 ? 1000 / mean : 0);
    }
}
