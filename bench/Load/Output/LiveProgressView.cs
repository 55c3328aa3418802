using System.Collections.Concurrent;
using System.Globalization;
using Spectre.Console;
using Statehouse.Bench.Load;

namespace Statehouse.Bench.Output;

/// <summary>One Spectre.Console progress bar per mode, refreshed four times a second with the live counters.</summary>
internal sealed class LiveProgressView : PeriodicView, IProgressView
{
    private readonly ProgressContext _context;
    private readonly ConcurrentDictionary<string, ProgressTask> _tasks = new();
    private readonly ConcurrentDictionary<string, Tracked> _tracked = new();

    public LiveProgressView(ProgressContext context, IReadOnlyList<string> modes)
    {
        _context = context;
        foreach (var mode in modes)
        {
            TaskOf(mode).Description = Describe(mode, "waiting");
        }

        Start(TimeSpan.FromMilliseconds(250));
    }

    public void Status(string mode, string text) => TaskOf(mode).Description = Describe(mode, text);

    public void Track(string mode, LoadProgress progress, double plannedSeconds, long? count)
    {
        var task = TaskOf(mode);
        task.MaxValue = count ?? Math.Max(plannedSeconds, 1);
        task.StartTask();
        _tracked[mode] = new Tracked(progress, count);
    }

    public void Done(string mode, string summary)
    {
        _tracked.TryRemove(mode, out _);
        var task = TaskOf(mode);
        task.Description = Describe(mode, summary);
        task.Value = task.MaxValue;
        task.StopTask();
    }

    private ProgressTask TaskOf(string mode) => _tasks.GetOrAdd(mode, m => _context.AddTask(Describe(m, "waiting"), autoStart: false));

    private static string Describe(string mode, string text) => $"[bold]{Markup.Escape(mode),-14}[/] {Markup.Escape(text)}";

    protected override void Tick()
    {
        foreach (var (mode, tracked) in _tracked)
        {
            var p = tracked.Progress;
            var seconds = p.ElapsedSeconds;
            var completed = p.Completed;
            // A rate over the last second or so, smoothed.
            var instant = (completed - tracked.LastCompleted) / Math.Max(seconds - tracked.LastSeconds, 0.001);
            tracked.Rate = tracked.LastSeconds == 0 ? instant : (0.7 * tracked.Rate) + (0.3 * instant);
            tracked.LastCompleted = completed;
            tracked.LastSeconds = seconds;
            var task = TaskOf(mode);
            task.Value = tracked.Count is null ? Math.Min(seconds, task.MaxValue) : completed;
            task.Description = Describe(mode, string.Create(CultureInfo.InvariantCulture,
                $"{p.Phase}: {completed:N0} tx, {tracked.Rate:0} tx/s, {p.Errors} errors"));
        }
    }

    private sealed class Tracked(LoadProgress progress, long? count)
    {
        public LoadProgress Progress { get; } = progress;

        public long? Count { get; } = count;

        public long LastCompleted { get; set; }

        public double LastSeconds { get; set; }

        public double Rate { get; set; }
    }
}
