namespace Statehouse.Worker.Tests.Messaging;

/// <summary>What the commit loop did, in order, thread-safe; tests wait for a condition on it with a timeout.</summary>
internal sealed class LoopEvents
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly List<LoopEvent> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<LoopEvent> All
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public void Add(LoopEvent e)
    {
        TaskCompletionSource changed;
        lock (_events)
        {
            _events.Add(e);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>Waits until an event matches <paramref name="match"/>; fails the test with the events so far after 30 s.</summary>
    public async Task<LoopEvent> WaitForAsync(Func<LoopEvent, bool> match)
    {
        var deadline = DateTime.UtcNow + s_timeout;
        while (true)
        {
            Task changed;
            lock (_events)
            {
                if (_events.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
            {
                Assert.Fail($"the commit loop did not get there within {s_timeout.TotalSeconds} s; it did: {string.Join(", ", All)}");
            }
        }
    }

    /// <summary>Waits for an ack of <paramref name="tag"/> on <paramref name="on"/>.</summary>
    public Task<LoopEvent> AckedAsync(RecordingSettlement on, ulong tag) =>
        WaitForAsync(e => e.Action == "ack" && e.On == on && e.Tag == tag);
}
