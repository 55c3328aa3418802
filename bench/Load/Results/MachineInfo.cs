namespace Statehouse.Bench.Results;

/// <summary>The machine a run was measured on.</summary>
internal sealed record MachineInfo(
    int Cores,
    string CpuModel,
    long MemoryBytes,
    string Kernel,
    string OperatingSystem,
    string Runtime,
    DiskInfo Disk,
    FsyncProbe Fsync,
    string? BrokerVersion,
    string? PostgresVersion);

/// <summary>The file system the stores are written to.</summary>
internal sealed record DiskInfo(string MountPoint, string FileSystem, string Device, string? Model, bool? Rotational);

/// <summary>How fast the disk syncs: 4 KiB written and fsynced, <see cref="Count"/> times, in the stores' directory.</summary>
internal sealed record FsyncProbe(int Count, double MedianMs, double P99Ms, double PerSecond);
