namespace Statehouse.Client.Following;

/// <summary>
/// What wakes a caught-up <see cref="FollowLoop"/>: announcements of commits that may touch its filter
/// (<see cref="Announced"/>), a broker connection that came back (<see cref="Wake"/>), or the poll interval. Only
/// wake-ups: the replay read decides what is delivered, so a lost or misleading wake-up costs latency, never a gap.
/// Every announced commit, also one that cannot touch the filter, raises <see cref="HighestAnnounced"/>, which lets the
/// loop read on from above it. Thread-safe: the broker's consumer raises, the loop waits.
/// </summary>
internal sealed class FollowWakeups(TimeProvider time)
{
    private long _highestAnnounced;
    private long _generation;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>The highest commit_ts announced so far, for the filter or not (0: none): every worker that answers reads at least up to it.</summary>
    public long HighestAnnounced => Interlocked.Read(ref _highestAnnounced);

    /// <summary>Moves on every wake-up; take it before a replay read and pass it to <see cref="WaitAsync"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// A commit at <paramref name="commitTs"/> was announced; it wakes the loop when it may touch the filter
    /// (<paramref name="touchesFilter"/>), else it only raises <see cref="HighestAnnounced"/>.
    /// </summary>
    public void Announced(long commitTs, bool touchesFilter = true)
    {
        Monotonic.Raise(ref _highestAnnounced, commitTs);
        if (touchesFilter)
        {
            Wake();
        }
    }

    /// <summary>Wakes the loop without an announcement (the connection came back: announcements may have been lost meanwhile).</summary>
    public void Wake()
    {
        Interlocked.Increment(ref _generation);
        Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
    }

    /// <summary>
    /// Returns at once when a wake-up came after <paramref name="generation"/> was taken, else at the next wake-up or
    /// after <paramref name="pollInterval"/>, whichever is first. Throws <see cref="OperationCanceledException"/> when
    /// <paramref name="ct"/> is cancelled.
    /// </summary>
    public async Task WaitAsync(long generation, TimeSpan pollInterval, CancellationToken ct)
    {
        var changed = Volatile.Read(ref _changed).Task;
        if (Generation != generation)
        {
            return;
        }

        try
        {
            await changed.WaitAsync(pollInterval, time, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The poll: a commit whose announcement was lost is found by the next replay.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
