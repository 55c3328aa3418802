using System.Globalization;
using System.Runtime.InteropServices;
using RocksDbSharp;

namespace Statehouse.Bench.Storage;

/// <summary>What the figures were measured on, printed with every run so a table never travels without it.</summary>
internal static class MachineInfo
{
    public static IEnumerable<string> Describe(string dataDirectory)
    {
        yield return $"CPU: {FirstValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} logical cores";
        yield return $"Memory: {MemoryGiB()}";
        yield return $"OS: {OsName()}, kernel {Read("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.VersionString}";
        yield return $".NET: {RuntimeInformation.FrameworkDescription}; RocksDB (RocksDbSharp) {typeof(RocksDb).Assembly.GetName().Version}";
        yield return $"Data directory: {dataDirectory}";
        yield return $"File system: {StoreDirectory.Describe(dataDirectory)}";
        yield return $"Load average at start (1, 5, 15 min): {LoadAverage()}";
    }

    /// <summary>The 1, 5 and 15 minute load averages: on a shared machine, how much else wanted the cores meanwhile.</summary>
    public static string LoadAverage() =>
        Read("/proc/loadavg") is { } load ? string.Join(", ", load.Split(' ').Take(3)) : "unknown";

    private static string MemoryGiB()
    {
        var total = FirstValue("/proc/meminfo", "MemTotal");
        return total is not null && long.TryParse(total.Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib)
            ? (kib / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " GiB"
            : "unknown";
    }

    private static string OsName() =>
        File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"')
              ?? RuntimeInformation.OSDescription
            : RuntimeInformation.OSDescription;

    /// <summary>The value after the first <c>name: value</c> line of a /proc file.</summary>
    private static string? FirstValue(string path, string name) =>
        File.Exists(path)
            ? File.ReadLines(path)
                .Select(l => l.Split(':', 2))
                .FirstOrDefault(p => p.Length == 2 && p[0].Trim() == name)?[1].Trim()
            : null;

    private static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;
}
