using System.Collections.Concurrent;
using System.Globalization;
using Statehouse.Bench.Load;

namespace Statehouse.Bench.Output;

/// <summary>
/// What a run shows while it goes, as plain lines (on a terminal, in a log or a pipe alike): each mode's phase at
/// once, and the counters of the modes under load every five seconds until they are done.
/// </summary>
internal sealed class ProgressView : IAsyncDisposable
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(5);
    private readonly TextWriter _output;
    private readonly ConcurrentDictionary<string, Tracked> _tracked = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ProgressView(TextWriter output)
    {
        _output = output;
        _loop = LoopAsync();
    }

    public void Status(string mode, string text) => Write($"[{mode}] {text}");

    /// <summary>Shows the counters of <paramref name="progress"/> until <see cref="Done"/>; <paramref name="plannedSeconds"/> 0 = a counted run of <paramref name="count"/>.</summary>
    public void Track(string mode, LoadProgress progress, double plannedSeconds, long? count) => _tracked[mode] = new Tracked(progress, plannedSeconds, count);

    public void Done(string mode, string summary)
    {
        _tracked.TryRemove(mode, out _);
        Write($"[{mode}] done: {summary}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(s_interval);
        while (await timer.WaitForNextTickAsync(_stop.Token))
        {
            foreach (var (mode, tracked) in _tracked)
            {
                var p = tracked.Progress;
                var (seconds, completed) = (p.ElapsedSeconds, p.Completed);
                var rate = (completed - tracked.LastCompleted) / Math.Max(seconds - tracked.LastSeconds, 0.001);
                (tracked.LastCompleted, tracked.LastSeconds) = (completed, seconds);
                var of = tracked.Count is { } count ? $"{completed:N0}/{count:N0} tx" : $"{seconds:0}/{tracked.PlannedSeconds:0} s, {completed:N0} tx";
                Write($"[{mode}] {p.Phase}: {of}, {rate:0} tx/s now, {p.Errors} errors");
            }
        }
    }

    private void Write(string line)
    {
        lock (_output)
        {
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:HH:mm:ss} {line}"));
            _output.Flush();
        }
    }

    private sealed class Tracked(LoadProgress progress, double plannedSeconds, long? count)
    {
        public LoadProgress Progress { get; } = progress;

        public double PlannedSeconds { get; } = plannedSeconds;

        public long? Count { get; } = count;

        public long LastCompleted { get; set; }

        public double LastSeconds { get; set; }
    }
}
