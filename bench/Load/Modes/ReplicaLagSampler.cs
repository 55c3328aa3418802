using System.Diagnostics;
using Statehouse.Bench.Load;
using Statehouse.Bench.Results;
using Statehouse.Testing.Workers;

namespace Statehouse.Bench.Modes;

/// <summary>
/// Samples the replica's lag behind the primary while the measured window is open: both workers' /health at once,
/// every <see cref="Interval"/>, lag = primary's last commit_ts − replica's. A sample where either did not answer is
/// counted as failed, not as a lag.
/// </summary>
internal sealed class ReplicaLagSampler(WorkerHealthEndpoint primary, WorkerHealthEndpoint replica) : IWindowObserver
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly List<long> _lags = [];
    private CancellationTokenSource? _stop;
    private Task? _sampling;
    private int _failed;

    public Task OnWindowStartAsync(CancellationToken ct)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _sampling = SampleAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task OnWindowEndAsync(CancellationToken ct)
    {
        if (_stop is null || _sampling is null)
        {
            return;
        }

        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    /// <summary>
    /// Waits (at most <paramref name="timeout"/>) until the replica's last commit_ts reaches the primary's, once the
    /// load has stopped; returns the seconds that took, or null when it did not.
    /// </summary>
    public async Task<double?> WaitForCatchUpAsync(TimeSpan timeout, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            if (await TryLagAsync(ct) is 0)
            {
                return Stopwatch.GetElapsedTime(started).TotalSeconds;
            }

            // The workers offer no event to wait on from another process: poll their /health, bounded by the timeout.
            await Task.Delay(Interval, ct);
        }

        return null;
    }

    /// <summary>The samples of the window, summarized; <paramref name="catchUpSeconds"/> from <see cref="WaitForCatchUpAsync"/>.</summary>
    public ReplicaLag Summary(double? catchUpSeconds)
    {
        var sorted = _lags.Order().ToList();
        return new ReplicaLag((int)Interval.TotalMilliseconds, sorted.Count, _failed, sorted.Count == 0 ? 0 : sorted.Average(),
            Percentile(sorted, 50), Percentile(sorted, 99), sorted.Count == 0 ? 0 : sorted[^1], catchUpSeconds);
    }

    private async Task SampleAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var tick = Task.Delay(Interval, ct);
            try
            {
                if (await TryLagAsync(ct) is { } lag)
                {
                    _lags.Add(lag);
                }
                else
                {
                    _failed++;
                }

                await tick;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<long?> TryLagAsync(CancellationToken ct)
    {
        try
        {
            var reads = await Task.WhenAll(primary.ReadAsync(ct), replica.ReadAsync(ct));
            return reads[0].LastCommitTs - reads[1].LastCommitTs;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            // HttpClient's own timeout.
            return null;
        }
    }

    /// <summary>Nearest-rank percentile of sorted values (0 when there are none).</summary>
    private static long Percentile(List<long> sorted, double percent) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
