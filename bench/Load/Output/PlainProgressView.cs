using System.Collections.Concurrent;
using System.Globalization;
using Statehouse.Bench.Load;

namespace Statehouse.Bench.Output;

/// <summary>Progress as plain lines (for logs and pipes): phase changes at once, counters every five seconds.</summary>
internal sealed class PlainProgressView : PeriodicView, IProgressView
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(5);
    private readonly TextWriter _output;
    private readonly ConcurrentDictionary<string, Tracked> _tracked = new();

    public PlainProgressView(TextWriter output)
    {
        _output = output;
        Start(s_interval);
    }

    public void Status(string mode, string text) => Write($"[{mode}] {text}");

    public void Track(string mode, LoadProgress progress, double plannedSeconds, long? count) =>
        _tracked[mode] = new Tracked(progress, plannedSeconds, count) { LastCompleted = 0, LastSeconds = 0 };

    public void Done(string mode, string summary)
    {
        _tracked.TryRemove(mode, out _);
        Write($"[{mode}] done: {summary}");
    }

    protected override void Tick()
    {
        foreach (var (mode, tracked) in _tracked)
        {
            var p = tracked.Progress;
            var seconds = p.ElapsedSeconds;
            var completed = p.Completed;
            var rate = (completed - tracked.LastCompleted) / Math.Max(seconds - tracked.LastSeconds, 0.001);
            tracked.LastCompleted = completed;
            tracked.LastSeconds = seconds;
            var of = tracked.Count is { } count
                ? $"{completed.ToString("N0", CultureInfo.InvariantCulture)}/{count.ToString("N0", CultureInfo.InvariantCulture)} tx"
                : $"{seconds:0}/{tracked.PlannedSeconds:0} s, {completed.ToString("N0", CultureInfo.InvariantCulture)} tx";
            Write($"[{mode}] {p.Phase}: {of}, {rate:0} tx/s now, {p.Errors} errors");
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
