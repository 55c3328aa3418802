using System.Diagnostics;
using Statehouse.Bench.Load;
using Statehouse.Bench.Modes;
using Statehouse.Bench.Output;
using Statehouse.Bench.Processes;
using Statehouse.Bench.Results;
using Statehouse.Testing.Processes;
using Statehouse.Bench.Storage;

namespace Statehouse.Bench.Rss;

/// <summary>
/// The memory check: a fresh worker (default settings) commits <c>count</c> transactions from the closed-loop load
/// while its resident set is sampled every second. Growth is judged between the second and the last tenth of the run,
/// so start-up (JIT, RocksDB caches filling) does not count as growth.
/// </summary>
internal sealed class RssCheck(RunSettings settings, ProgressView view)
{
    public const string Row = "rss";
    private const long FlatToleranceBytes = 16L << 20;
    private const double FlatToleranceFraction = 0.10;

    public async Task<RssRun> RunAsync(long count, MachineInfo machine, CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var prefix = settings.Prefix(Row);
        try
        {
            view.Status(Row, "starting the worker");
            await using var worker = await settings.StartWorkerAsync(prefix, settings.MaxBatchCount, [], ct);
            var startRss = ProcFs.RssBytes(worker.Pid) ?? 0;

            view.Status(Row, "connecting the clients");
            await using var target = await StatehouseTarget.ConnectAsync(settings.BrokerUris, prefix, settings.Shape, ct);
            var progress = new LoadProgress();
            var samples = new List<RssSample>();
            using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var sampling = SampleAsync(worker.Pid, progress, samples, stopSampling.Token);
            view.Track(Row, progress, 0, count);
            var result = await new LoadGenerator(target, settings.Shape, new LoadPlan(TimeSpan.Zero, TimeSpan.Zero, Count: count), progress)
                .RunAsync(observer: null, ct);
            await stopSampling.CancelAsync();
            await sampling;

            var peak = ProcFs.PeakRssBytes(worker.Pid) ?? 0;
            var end = ProcFs.RssBytes(worker.Pid) ?? 0;
            view.Status(Row, "stopping the worker");
            await worker.StopAsync();
            view.Done(Row, $"{result.TxPerSecond:0} tx/s, peak RSS {peak / (1 << 20)} MB");

            var early = MeanRss(samples, count, 0.1, 0.2);
            var late = MeanRss(samples, count, 0.9, 1.01);
            var flat = late - early <= Math.Max(FlatToleranceBytes, (long)(early * FlatToleranceFraction));
            return new RssRun(startedAt, machine, settings.Shape, count, result.Transactions, result.Errors, result.Seconds,
                result.TxPerSecond, result.Latency, startRss, peak, end, early, late, Slope(samples, count), StoreBytes(Path.Combine(settings.Scratch(prefix), "store")), flat, samples);
        }
        finally
        {
            await settings.CleanUpAsync(prefix);
        }
    }

    private static async Task SampleAsync(int pid, LoadProgress progress, List<RssSample> samples, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (ProcFs.RssBytes(pid) is { } rss)
                {
                    samples.Add(new RssSample(Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 1), progress.Completed, rss));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Mean resident set of the samples taken while the run was between two fractions of its count.</summary>
    private static long MeanRss(List<RssSample> samples, long count, double from, double to)
    {
        var inside = samples.Where(s => s.Transactions >= from * count && s.Transactions < to * count).ToList();
        if (inside.Count == 0)
        {
            inside = samples;
        }

        return inside.Count == 0 ? 0 : (long)inside.Average(s => s.RssBytes);
    }

    /// <summary>Least-squares growth of the resident set per 100,000 transactions, after the first tenth of the run.</summary>
    private static double Slope(List<RssSample> samples, long count)
    {
        var points = samples.Where(s => s.Transactions >= 0.1 * count).ToList();
        if (points.Count < 2)
        {
            return 0;
        }

        var meanX = points.Average(p => (double)p.Transactions);
        var meanY = points.Average(p => (double)p.RssBytes);
        var sxy = points.Sum(p => (p.Transactions - meanX) * (p.RssBytes - meanY));
        var sxx = points.Sum(p => (p.Transactions - meanX) * (p.Transactions - meanX));
        return sxx == 0 ? 0 : sxy / sxx * 100_000;
    }

    private static long StoreBytes(string directory) => Directory.Exists(directory) ? StoreDirectory.SizeBytes(directory) : 0;
}
