using System.Diagnostics;

namespace Statehouse.Bench.Load;

/// <summary>Live counters of a running load, read by the progress display from another thread.</summary>
internal sealed class LoadProgress
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _completed;
    private long _errors;
    private volatile string _phase = "warm-up";

    public long Completed => Interlocked.Read(ref _completed);

    public long Errors => Interlocked.Read(ref _errors);

    public string Phase
    {
        get => _phase;
        set => _phase = value;
    }

    public double ElapsedSeconds => Stopwatch.GetElapsedTime(_started).TotalSeconds;

    public void AddCompleted() => Interlocked.Increment(ref _completed);

    public void AddError() => Interlocked.Increment(ref _errors);
}
