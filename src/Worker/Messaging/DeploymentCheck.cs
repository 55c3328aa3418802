using MessagePack;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// One deployment, one history: whether an open store is the store of this worker's deployment (its queue prefix), by
/// the first claim on the deployment stream (<see cref="DeploymentStream"/>), claiming it for this store when there is
/// none yet. A worker whose store is not the deployment's must consume none of its commits and serve none of its reads.
/// </summary>
/// <remarks>
/// With replication an empty store (<see cref="StateStore.IsEmpty"/>) is not foreign: it takes the deployment's store id
/// (<see cref="StateStore.AdoptStoreId"/>) and is built from the log, whose rules refuse it if it cannot be.
/// Without replication a worker is refused while the deployment's log stream exists: the deployment replicates, and a
/// worker that commits outside the log would hand out commit_ts values its replicas hand out again after a takeover.
/// </remarks>
internal sealed class DeploymentCheck(TopologyNames names, TimeProvider time, ReplicationOptions replication)
{
    /// <summary>
    /// Reads (or makes) the deployment stream's first claim on a side channel of <paramref name="session"/> and compares
    /// it with <paramref name="store"/>'s id. Broker failures throw, and the caller retries the session like any other.
    /// </summary>
    /// <param name="session">The broker session just opened, before it consumes anything.</param>
    /// <param name="store">The open store.</param>
    /// <param name="storePath">The store's full path, for the claim and the refusal.</param>
    /// <param name="cancellationToken">Stops the check (the worker stopping).</param>
    public async Task<DeploymentVerdict> CheckAsync(
        BrokerSession session, StateStore store, string storePath, CancellationToken cancellationToken)
    {
        var mine = new DeploymentClaim(store.StoreId, time.GetUtcNow().UtcDateTime,
            $"{Environment.MachineName} pid {Environment.ProcessId} store {storePath}", store.LastCommitTs);
        DeploymentClaim? first = null;
        string reason;
        await using (var channel = await session.CreateSideChannelAsync(cancellationToken))
        {
            try
            {
                first = await DeploymentStream.ReadOrClaimAsync(channel, names, mine, time, cancellationToken);
                if (!replication.Enabled && await LogStreamExistsAsync(session, cancellationToken))
                {
                    return DeploymentVerdict.Refused(first,
                        $"Statehouse:Replication:Enabled is false on this worker, but deployment '{names.Prefix}' replicates through the log " +
                        $"stream {names.LogStream}: a worker that commits outside the log would hand out commit_ts values that the " +
                        "replicas hand out again after a takeover. Set Statehouse:Replication:Enabled=true on every worker of the " +
                        $"deployment; to turn replication off, stop every worker, delete the stream {names.LogStream} " +
                        "(rabbitmqctl delete_queue), and start one worker on the primary's store with it off. See docs/replication.md.");
                }

                if (first.StoreId == store.StoreId)
                {
                    return DeploymentVerdict.Confirmed(first);
                }

                if (replication.Enabled && store.IsEmpty)
                {
                    store.AdoptStoreId(first.StoreId);
                    return DeploymentVerdict.Confirmed(first);
                }

                reason = $"this worker's store {store.StoreId} at '{storePath}' (last commit_ts {store.LastCommitTs}) is not the store of " +
                    $"deployment '{names.Prefix}': {names.DeploymentStream} names store {first.StoreId} (claimed {first.ClaimedAt:O} by " +
                    $"{first.ClaimedBy}, at commit_ts {first.LastCommitTs}).";
            }
            catch (MessagePackSerializationException e)
            {
                reason = $"the first message of {names.DeploymentStream} is not a deployment claim ({e.Message}), so no store can be " +
                    $"shown to be deployment '{names.Prefix}''s.";
            }
        }

        reason += " It consumes none of the prefix's commits and serves none of its reads, so no commit_ts is handed out twice. " +
            "For a standby, point Statehouse:Storage:Path at the deployment's own store directory; to replace a lost store, restore " +
            "a backup of the deployment's store (statehouse restore) and start on that; for a new deployment, use another " +
            "Statehouse:Broker:QueuePrefix. See docs/operations.md, \"One deployment, one store\".";
        return DeploymentVerdict.Refused(first, reason);
    }

    /// <summary>Whether the deployment's log stream exists (a passive declare on a channel of its own, which a 404 closes).</summary>
    private async Task<bool> LogStreamExistsAsync(BrokerSession session, CancellationToken cancellationToken)
    {
        await using var probe = await session.CreateSideChannelAsync(cancellationToken);
        try
        {
            await probe.QueueDeclarePassiveAsync(names.LogStream, cancellationToken);
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return false;
        }
    }
}
