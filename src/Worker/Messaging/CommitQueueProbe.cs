using Microsoft.Extensions.Logging;
using Statehouse.Contracts;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// Polls how many messages are ready in the commit queue, for the <c>statehouse.commit.queue.ready</c> gauge: the
/// backlog the worker has not been delivered yet. (Its age would be a better lag, but clients set no AMQP timestamp.)
/// </summary>
internal sealed class CommitQueueProbe(TopologyNames names, TimeSpan interval, WorkerCounters counters, TimeProvider time, ILogger logger)
{
    /// <summary>Polls through whichever session <paramref name="currentSession"/> returns, until stopped.</summary>
    public async Task RunAsync(Func<BrokerSession?> currentSession, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                counters.SetCommitQueueReady(await TryCountAsync(currentSession(), stopping));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            // A stale count would look like a real one.
            counters.SetCommitQueueReady(null);
        }
    }

    private async Task<long?> TryCountAsync(BrokerSession? session, CancellationToken stopping)
    {
        if (session is not { IsOpen: true })
        {
            return null;
        }

        try
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, session.Closing);
            return await session.CountReadyAsync(names.CommitQueue, both.Token);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            // The session is being lost or the queue was deleted; the session's own handling reports that.
            logger.QueueProbeFailed(names.CommitQueue, ex.Message);
            return null;
        }
    }
}
