using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Hosting;

/// <summary>
/// The worker's life: open the store before anything else, then keep a broker session up (reconnecting for as long
/// as it takes) and run the commit loop; on stop, stop consuming, finish the group in flight, close the session.
/// Every session first checks that the store is the deployment's (<see cref="DeploymentCheck"/>); a worker with
/// another store consumes nothing and stops with exit code 1. The inbox and history pruners run beside the loop (<see cref="InboxPruner.RunAsync"/>, <see cref="HistoryPruner.RunAsync"/>).
/// The store's owner (<see cref="StoreOpener"/>) is a container singleton, so the store is disposed after this service, last.
/// </summary>
/// <param name="storeServices">Builds what works on the store (commit loop, reads, pruner) once it is open.</param>
internal sealed class CommitWorkerService(
    StoreServiceFactory storeServices,
    IOptions<StatehouseOptions> options,
    StoreOpener opener,
    BrokerConnector connector,
    CommitQueueProbe probe,
    DeploymentCheck deployment,
    TopologyNames names,
    WorkerHealth health,
    WorkerCounters counters,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger<CommitWorkerService>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private Task _run = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var storePath = Path.GetFullPath(settings.Storage.Path);
        StateStore store;
        try
        {
            store = await opener.OpenAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped while waiting as a standby: nothing was started, nothing to report.
            return;
        }
        catch (Exception ex) when (ex is StoreOpenException or StoreLockedException or IOException or UnauthorizedAccessException)
        {
            // Refused (damaged, foreign, wrong schema, locked while not waiting): nothing may be consumed without the
            // store. One line says why and how to recover; the process exits with 1, without a stack trace.
            _logger.StoreOpenFailed(storePath, ex.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return;
        }
        catch (Exception ex)
        {
            _logger.StoreOpenFailed(storePath, ex.Message);
            throw;
        }

        _logger.StoreOpened(storePath, store.LastCommitTs, store.StoreId);
        counters.SetLastCommitTs(store.LastCommitTs);
        var budget = DeliveryBudget.For(settings.Commit, settings.Limits);
        _logger.DeliveryBudgetApplied(budget.BudgetBytes, budget.Prefetch, settings.Commit.Prefetch, settings.Limits.MaxMessageBytes,
            budget.BytesPerDelivery, Math.Min(budget.Prefetch, settings.Commit.MaxBatchCount));
        var built = storeServices.Create(store);
        _run = Task.Run(() => RunAsync(settings, budget, storePath, store, built, _stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _logger.WorkerStopping();
        await _stopping.CancelAsync();
        try
        {
            await _run.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Out of time: cut the broker calls of the group in flight. Still wait, so the store is not closed under a write.
            _logger.StopTimedOut();
            await _abort.CancelAsync();
            await _run;
        }

        _logger.WorkerStopped();
    }

    private async Task RunAsync(
        StatehouseOptions settings, DeliveryBudget budget, string storePath, StateStore store, StoreServices built, CancellationToken stopping)
    {
        var (loop, reads, pruner, replication) = (built.Loop, built.Reads, built.Pruner, built.Replication);
        // The loop has its own stop signal: it keeps committing what was delivered until the consumers are cancelled.
        using var loopStopping = new CancellationTokenSource();
        var loopTask = RunLoopAsync(loop, loopStopping.Token);
        var pruneTask = pruner.RunAsync(_logger, stopping);
        var historyPruneTask = built.HistoryPruner.RunAsync(_logger, stopping);
        var reconnectDelay = TimeSpan.FromSeconds(settings.Broker.ReconnectDelaySeconds);
        BrokerSession? session = null;
        // With replication: the session's log follower, which must have stopped writing before the next one starts.
        var following = Task.CompletedTask;
        var probeTask = settings.Broker.QueueProbeSeconds > 0 ? probe.RunAsync(() => session, stopping) : Task.CompletedTask;
        var ready = false;
        long generation = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    var connection = await connector.ConnectAsync(stopping);
                    health.SetBrokerConnected(true);
                    session = await BrokerSession.OpenAsync(connection, ++generation, budget, settings.Reads, loggers, stopping,
                        confirmCommits: replication is not null);
                    if (!await IsDeploymentStoreAsync(session, storePath, store, stopping))
                    {
                        break;
                    }

                    await session.DeclareTopologyAsync(names, settings.Broker.DeliveryLimit, stopping,
                        replication is null ? null : settings.Replication);
                    Task<string>? refused = null;
                    if (replication is not null)
                    {
                        (following, refused) = await FollowLogAsync(session, store, settings.Replication, replication, stopping);
                    }

                    await session.StartConsumingAsync(names, loop.Deliveries, reads, counters, stopping);
                    health.SetConsuming(true);
                    if (!ready)
                    {
                        ready = true;
                        _logger.WorkerReady(names.CommitQueue, storePath, store.LastCommitTs);
                    }
                    else
                    {
                        _logger.ConsumingResumed(names.CommitQueue, session.Generation);
                    }

                    if (refused is not null && await Task.WhenAny(session.Lost, refused).WaitAsync(stopping) == refused)
                    {
                        StopDiverged(await refused);
                        break;
                    }

                    _logger.BrokerSessionLost(await session.Lost.WaitAsync(stopping));
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // Typically a topology declared elsewhere with other arguments, or the broker going away mid-setup.
                    _logger.BrokerSessionFailed(ex.Message);
                }

                health.SetConsuming(false);
                health.SetBrokerConnected(false);
                if (session is not null)
                {
                    await session.DisposeAsync();
                    session = null;
                }

                await following;

                try
                {
                    await Task.Delay(reconnectDelay, time, stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            // Stop taking work, let the loop finish the group in flight (write, replies, ack), then close.
            if (session is not null)
            {
                try
                {
                    await session.StopConsumingAsync(_abort.Token);
                }
                catch (OperationCanceledException)
                {
                    // Aborted: the session is closed below regardless, and unfinished reads are redelivered.
                }
            }

            health.SetConsuming(false);
            await loopStopping.CancelAsync();
            await loopTask;
            await pruneTask;
            await historyPruneTask;
            await probeTask;
            if (session is not null)
            {
                await session.DisposeAsync();
            }

            await following;
            health.SetBrokerConnected(false);
        }
    }

    /// <summary>
    /// Replication: starts following the log on <paramref name="session"/> from the store's position and makes the follower
    /// the coordinator's; returns the follower's run (it ends when the session closes) and its refusal.
    /// </summary>
    private async Task<(Task Following, Task<string> Refused)> FollowLogAsync(
        BrokerSession session, StateStore store, ReplicationOptions options, ReplicationCoordinator replication, CancellationToken stopping)
    {
        var follower = new LogFollower(store, names.LogStream, options.LogPrefetch, session.AcknowledgeLogAsync, session.MarkLost, health,
            counters, time, loggers.CreateLogger<LogFollower>());
        await replication.FollowAsync(follower, stopping);
        var following = Task.Run(() => follower.RunAsync(session.Closing), CancellationToken.None);
        await session.FollowLogAsync(names, follower, options.LogPrefetch, stopping);
        _logger.FollowingLog(names.LogStream, follower.StartPosition.ResumeOffset, follower.StartPosition.Seq, store.LastCommitTs);
        return (following, follower.Refused);
    }

    /// <summary>The store cannot follow the log: consume nothing, serve nothing, say why, and stop with exit code 1.</summary>
    private void StopDiverged(string refusal)
    {
        _logger.StoreDiverged(refusal);
        health.Refuse(refusal, "diverged");
        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }

    /// <summary>
    /// Whether <paramref name="store"/> is the store of this worker's deployment (<see cref="DeploymentCheck"/>). When it is
    /// not: logs the store ids and what to do, marks health, stops the worker with exit code 1 and returns false.
    /// </summary>
    private async Task<bool> IsDeploymentStoreAsync(
        BrokerSession session, string storePath, StateStore store, CancellationToken stopping)
    {
        var verdict = await deployment.CheckAsync(session, store, storePath, stopping);
        if (verdict.IsConfirmed)
        {
            _logger.DeploymentConfirmed(store.StoreId, names.DeploymentStream, verdict.FirstClaim.ClaimedAt, verdict.FirstClaim.ClaimedBy);
            return true;
        }

        _logger.DeploymentRefused(verdict.Refusal);
        health.Refuse(verdict.Refusal);
        Environment.ExitCode = 1;
        lifetime.StopApplication();
        return false;
    }

    private async Task RunLoopAsync(CommitLoop loop, CancellationToken stopping)
    {
        try
        {
            await loop.RunAsync(stopping, _abort.Token);
        }
        catch (Exception ex)
        {
            // The loop guards every group; reaching this is a bug. A worker that no longer commits must not look alive.
            _logger.CommitLoopCrashed(ex);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}
