using Statehouse.Client;

namespace Statehouse.Reliability.Tests.Following;

/// <summary>
/// Runs <see cref="StatehouseClient.FollowAsync"/> in the background and keeps every event it delivered, in order;
/// <see cref="WaitForAsync"/> waits (woken by each event) until one at or beyond a commit_ts arrived.
/// </summary>
internal sealed class FollowRecorder : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<ReplayEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private TaskCompletionSource _delivered = NewSignal();

    public FollowRecorder(StatehouseClient client, FollowFilter filter, long afterCommitTs)
    {
        _run = Task.Run(async () =>
        {
            await foreach (var followed in client.FollowAsync(filter, afterCommitTs, _stop.Token))
            {
                lock (_gate)
                {
                    _events.Add(followed);
                    _delivered.TrySetResult();
                    _delivered = NewSignal();
                }
            }
        });
    }

    public IReadOnlyList<ReplayEvent> Events()
    {
        lock (_gate)
        {
            return [.. _events];
        }
    }

    /// <summary>Returns once an event with commit_ts ≥ <paramref name="commitTs"/> was delivered; throws when the follow ended or <paramref name="within"/> passed.</summary>
    public async Task WaitForAsync(long commitTs, TimeSpan within, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(within);
        while (true)
        {
            Task delivered;
            lock (_gate)
            {
                if (_events.Count > 0 && _events[^1].CommitTs >= commitTs)
                {
                    return;
                }

                delivered = _delivered.Task;
            }

            if (_run.IsCompleted)
            {
                await _run;
                throw new InvalidOperationException("The follow ended.");
            }

            try
            {
                await Task.WhenAny(delivered, _run).WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                var events = Events();
                throw new TimeoutException(
                    $"No event at or beyond commit_ts {commitTs} within {within.TotalSeconds} s; {events.Count} delivered, the last at {(events.Count > 0 ? events[^1].CommitTs : 0)}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
