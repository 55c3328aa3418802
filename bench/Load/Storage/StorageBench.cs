using RocksDbSharp;
using Statehouse.Bench.Processes;
using Statehouse.Bench.Report;

namespace Statehouse.Bench.Storage;

/// <summary>Runs the chosen benchmarks: the machine and the tables (Markdown) on <c>output</c>, progress on <c>progress</c>.</summary>
internal static class StorageBench
{
    public static int Run(StorageArguments args, TextWriter output, TextWriter progress)
    {
        Directory.CreateDirectory(args.Root);
        var machine = MachineProbe.Describe(args.Root, brokerVersion: null, postgresVersion: null);
        var disk = machine.Disk;
        output.WriteLine("# Storage benchmark run");
        output.WriteLine();
        output.WriteLine($"- Run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, `{args.Command}`");
        output.WriteLine($"- CPU: {machine.CpuModel}, {machine.Cores} logical cores");
        output.WriteLine($"- Memory: {machine.MemoryBytes / (double)(1L << 30):F1} GiB");
        output.WriteLine($"- OS: {machine.OperatingSystem}, kernel {machine.Kernel}");
        output.WriteLine($"- .NET: {machine.Runtime}; RocksDB (RocksDbSharp) {typeof(RocksDb).Assembly.GetName().Version}");
        output.WriteLine($"- Data directory: {args.Root}");
        output.WriteLine($"- File system: {disk.FileSystem} on {disk.Device} (mounted at {disk.MountPoint}{(disk.Model is null ? "" : ", " + disk.Model)})");
        output.WriteLine($"- fsync of 4 KiB there: median {Format.Ms(machine.Fsync.MedianMs)} ms, p99 {Format.Ms(machine.Fsync.P99Ms)} ms");
        output.WriteLine($"- Load average at start (1, 5, 15 min): {MachineProbe.LoadAverage()}");
        output.WriteLine();
        output.Flush();

        if (args.RunsCommit)
        {
            new CommitBenchmark(args, output, progress).Run();
        }

        if (args.RunsReplay)
        {
            new ReplayBenchmark(args, output, progress).Run();
        }

        if (args.RunsHistory)
        {
            new HistoryBenchmark(args, output, progress).Run();
        }

        output.WriteLine($"Load average at end (1, 5, 15 min): {MachineProbe.LoadAverage()}");
        return 0;
    }
}
