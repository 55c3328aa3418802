using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;

namespace Statehouse.Client.Following;

/// <summary>
/// The hand-over of <see cref="StatehouseClient.FollowAsync"/>, free of the broker: replay pages are the only source of
/// events, <see cref="FollowWakeups"/> only say when to read again. From <c>afterCommitTs</c> on it reads pages from the
/// last delivered commit_ts + 1; once a page says nothing more remains it waits for a wake-up or the poll interval and
/// reads again, from above the last delivered or the min_commit_ts that page was read with, whichever is higher. It
/// delivers only commit_ts above the last delivered, so events come in commit_ts order, each once: a page is a
/// consistent prefix of history (the worker reads it under one snapshot), so nothing below the last delivered
/// can appear later, and a worker that is behind (a replica after a failover) answers less, never other history.
/// </summary>
/// <param name="readPage">One replay page of the filter: (start commit_ts inclusive, min_commit_ts, ct) → page.</param>
/// <param name="wakeups">Wake-ups from the broker's announcements: a hint to read again, never a source of events.</param>
/// <param name="pollInterval">The longest wait between two replay reads when no wake-up comes (positive).</param>
/// <param name="logger">Where read failures and resumes are logged.</param>
/// <param name="filter">What is followed (an agent, or a whole namespace), for log lines.</param>
internal sealed class FollowLoop(
    Func<long, long, CancellationToken, Task<ReplayPage>> readPage, FollowWakeups wakeups, TimeSpan pollInterval, ILogger logger, string filter)
{
    /// <summary>
    /// Every event with commit_ts &gt; <paramref name="afterCommitTs"/>, in commit_ts order, each once, until
    /// <paramref name="ct"/> is cancelled (then <see cref="OperationCanceledException"/>). A read that fails for a
    /// passing reason (no reply: no worker serving during a failover or a reconnect; NOT_CAUGHT_UP; STORAGE_ERROR while a
    /// store reopens) is tried again after the poll interval or a wake-up; any other <see cref="StatehouseException"/>
    /// (INVALID_REQUEST, UNAUTHORIZED, <see cref="StatehouseUnavailableException"/>: no read queue under the prefix) ends
    /// the enumeration.
    /// </summary>
    public async IAsyncEnumerable<ReplayEvent> RunAsync(long afterCommitTs, [EnumeratorCancellation] CancellationToken ct)
    {
        var lastDelivered = afterCommitTs;
        var from = afterCommitTs + 1;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var generation = wakeups.Generation;
            var announced = wakeups.HighestAnnounced;
            var minCommitTs = announced >= from ? announced : 0;
            var page = await TryReadAsync(from, minCommitTs, ct).ConfigureAwait(false);
            if (page is null)
            {
                await wakeups.WaitAsync(generation, pollInterval, ct).ConfigureAwait(false);
                continue;
            }

            foreach (var replayed in page.Events)
            {
                if (replayed.CommitTs <= lastDelivered)
                {
                    continue;
                }

                lastDelivered = replayed.CommitTs;
                yield return replayed;
            }

            if (page.NextStartTs != 0)
            {
                if (page.NextStartTs <= from || page.NextStartTs <= lastDelivered)
                {
                    throw new StatehouseException(ErrorCode.InternalError,
                        $"The worker's replay page did not advance (next start {page.NextStartTs} after start {from}, last delivered {lastDelivered}).");
                }

                // More is there now: read on without waiting.
                from = page.NextStartTs;
                continue;
            }

            // The worker answered only once it had applied minCommitTs, so none of the filter's commits up to it is left:
            // a quiet namespace among busy ones would otherwise re-scan every later commit of the others at each wake-up.
            // Never back: a read without a min (nothing announced above from) says nothing about where it ended.
            from = Math.Max(Math.Max(from, lastDelivered + 1), minCommitTs + 1);
            await wakeups.WaitAsync(generation, pollInterval, ct).ConfigureAwait(false);
        }
    }

    private async Task<ReplayPage?> TryReadAsync(long from, long minCommitTs, CancellationToken ct)
    {
        try
        {
            return await readPage(from, minCommitTs, ct).ConfigureAwait(false);
        }
        catch (StatehouseException e) when (IsPassing(e))
        {
            Log.FollowReadFailed(logger, filter, from, e.GetType().Name, e.Message, pollInterval.TotalSeconds);
            return null;
        }
    }

    private static bool IsPassing(StatehouseException e) =>
        e is StatehouseTimeoutException or StatehouseNotCaughtUpException or StatehouseStorageException;
}
