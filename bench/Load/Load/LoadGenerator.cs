using System.Diagnostics;
using HdrHistogram;

namespace Statehouse.Bench.Load;

/// <summary>
/// Drives a target with the load's shape. Closed loop: every slot (client × in-flight) commits, waits for the reply,
/// and commits again, so the offered load is whatever the system sustains. Open loop: transactions start on a fixed
/// schedule, and latency counts from the scheduled start, so a stall is not hidden by the generator waiting on it.
/// Throughput counts the transactions that complete inside the measured window; latency those that also started in it.
/// </summary>
internal sealed class LoadGenerator
{
    /// <summary>Latencies are recorded in microseconds, up to 5 minutes.</summary>
    private const long MaxMicros = 300_000_000;
    private static readonly TimeSpan s_errorPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(60);

    private readonly ITransactionTarget _target;
    private readonly LoadShape _shape;
    private readonly LoadPlan _plan;
    private readonly LoadProgress _progress;
    private readonly LongConcurrentHistogram _histogram = new(1, MaxMicros, 3);
    private long _windowStart = long.MaxValue;
    private long _windowEnd = long.MaxValue;
    private long _measured;
    private long _errors;
    private long _issued;
    private long _outstanding;
    private volatile bool _stopping;
    private string? _firstError;

    public LoadGenerator(ITransactionTarget target, LoadShape shape, LoadPlan plan, LoadProgress progress)
    {
        _target = target;
        _shape = shape;
        _plan = plan;
        _progress = progress;
    }

    public async Task<LoadResult> RunAsync(IWindowObserver? observer, CancellationToken ct)
    {
        if (_plan.Count is not null)
        {
            // A counted run measures everything, from the first transaction.
            _progress.Phase = "measuring";
            if (observer is not null)
            {
                await observer.OnWindowStartAsync(ct);
            }

            Volatile.Write(ref _windowStart, Stopwatch.GetTimestamp());
        }

        var load = _plan.RatePerSecond is { } rate
            ? OpenLoopAsync(rate, ct)
            : Task.WhenAll(Enumerable.Range(0, _shape.Slots).Select(slot => Task.Run(() => ClosedLoopAsync(slot, ct), ct)));

        if (_plan.Count is null)
        {
            await Task.Delay(_plan.Warmup, ct);
            if (observer is not null)
            {
                await observer.OnWindowStartAsync(ct);
            }

            _progress.Phase = "measuring";
            Volatile.Write(ref _windowStart, Stopwatch.GetTimestamp());
            await Task.Delay(_plan.Duration, ct);
            Volatile.Write(ref _windowEnd, Stopwatch.GetTimestamp());
            _stopping = true;
            if (observer is not null)
            {
                await observer.OnWindowEndAsync(ct);
            }

            _progress.Phase = "draining";
            await DrainAsync(load);
        }
        else
        {
            await load;
            await WaitForOutstandingAsync(ct);
            Volatile.Write(ref _windowEnd, Stopwatch.GetTimestamp());
            if (observer is not null)
            {
                await observer.OnWindowEndAsync(ct);
            }
        }

        var seconds = Stopwatch.GetElapsedTime(Volatile.Read(ref _windowStart), Volatile.Read(ref _windowEnd)).TotalSeconds;
        return new LoadResult(Interlocked.Read(ref _measured), Interlocked.Read(ref _errors), seconds,
            LatencySummary.FromMicroseconds(_histogram), _firstError);
    }

    private async Task DrainAsync(Task load)
    {
        // Transactions in flight finish (their replies are not counted); a target that stopped answering is left behind.
        using var timeout = new CancellationTokenSource(s_drainTimeout);
        try
        {
            await load.WaitAsync(timeout.Token);
            await WaitForOutstandingAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            RecordError(new TimeoutException($"{Interlocked.Read(ref _outstanding)} transactions still in flight {s_drainTimeout.TotalSeconds:0} s after the window closed."));
        }
    }

    private async Task WaitForOutstandingAsync(CancellationToken ct)
    {
        while (Interlocked.Read(ref _outstanding) > 0)
        {
            await Task.Delay(10, ct);
        }
    }

    private async Task ClosedLoopAsync(int slot, CancellationToken ct)
    {
        for (long sequence = 0; !_stopping; sequence++)
        {
            if (_plan.Count is { } count && Interlocked.Increment(ref _issued) > count)
            {
                return;
            }

            if (!await CommitOneAsync(slot, sequence, Stopwatch.GetTimestamp(), ct))
            {
                await Task.Delay(s_errorPause, ct);
            }
        }
    }

    private async Task OpenLoopAsync(double rate, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var ticksPerTransaction = Stopwatch.Frequency / rate;
        long next = 0;
        while (!_stopping)
        {
            var due = (long)((Stopwatch.GetTimestamp() - start) / ticksPerTransaction) + 1;
            if (_plan.Count is { } count)
            {
                due = Math.Min(due, count);
            }

            for (; next < due; next++)
            {
                var slot = (int)(next % _shape.Slots);
                var scheduled = start + (long)(next * ticksPerTransaction);
                _ = CommitOneAsync(slot, next / _shape.Slots, scheduled, ct);
            }

            if (_plan.Count is { } total && next >= total)
            {
                return;
            }

            // The timer's granularity (about a millisecond) is far below the latencies measured.
            await Task.Delay(1, ct);
        }
    }

    /// <summary>Returns false when the transaction failed.</summary>
    private async Task<bool> CommitOneAsync(int slot, long sequence, long startedAt, CancellationToken ct)
    {
        Interlocked.Increment(ref _outstanding);
        try
        {
            await _target.CommitAsync(slot, sequence, ct);
            var ended = Stopwatch.GetTimestamp();
            _progress.AddCompleted();
            var windowStart = Volatile.Read(ref _windowStart);
            if (ended >= windowStart && ended < Volatile.Read(ref _windowEnd))
            {
                // Throughput counts what completed in the window; latency only what also started in it, so a slow
                // warm-up (JIT, connections, caches) does not leak into the percentiles.
                Interlocked.Increment(ref _measured);
                if (startedAt >= windowStart)
                {
                    var micros = (long)Stopwatch.GetElapsedTime(startedAt, ended).TotalMicroseconds;
                    _histogram.RecordValue(Math.Clamp(micros, 1, MaxMicros));
                }
            }

            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return true;
        }
        catch (Exception e)
        {
            RecordError(e);
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _outstanding);
        }
    }

    private void RecordError(Exception e)
    {
        Interlocked.Increment(ref _errors);
        _progress.AddError();
        Interlocked.CompareExchange(ref _firstError, $"{e.GetType().Name}: {e.Message}", null);
    }
}
