using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Statehouse.Worker.Tests.Messaging;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports each timer the code under test starts (a <c>Task.Delay</c>, a
/// <c>CancellationTokenSource</c> timeout), so that a test advances the clock only once the loop waits on it.
/// </summary>
internal sealed class ObservedTime() : FakeTimeProvider(TempStore.Start)
{
    private readonly Channel<TimeSpan> _started = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Reported once it exists: a test that advances right after sees it fire.
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _started.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>The due time of the next timer started (in start order), waiting up to 30 s for it.</summary>
    public async Task<TimeSpan> NextTimerAsync() =>
        await _started.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
}
