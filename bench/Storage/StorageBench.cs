namespace Statehouse.Bench.Storage;

/// <summary>Runs the chosen benchmarks: tables (Markdown) on <c>output</c>, progress on <c>progress</c>.</summary>
internal static class StorageBench
{
    public static int Run(BenchArguments args, TextWriter output, TextWriter progress)
    {
        Directory.CreateDirectory(args.Root);
        output.WriteLine("# Storage benchmark run");
        output.WriteLine();
        output.WriteLine($"- Run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, `{args.Command}`");
        foreach (var line in MachineInfo.Describe(args.Root))
        {
            output.WriteLine("- " + line);
        }

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

        output.WriteLine($"Load average at end (1, 5, 15 min): {MachineInfo.LoadAverage()}");
        return 0;
    }
}
