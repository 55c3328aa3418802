using Statehouse.Worker.Commit;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Hosting;

/// <summary>
/// The collaborators that work on the open store, built together on it by <see cref="StoreServiceFactory"/> once
/// <see cref="StoreOpener.OpenAsync"/> returned; they live as long as the worker service that holds them.
/// </summary>
/// <param name="Engine">Applies commit groups as one synced write.</param>
/// <param name="Loop">Takes deliveries from the consumer, groups them, applies and settles them.</param>
/// <param name="Reads">Answers read requests (with <paramref name="Backups"/> for Backup requests).</param>
/// <param name="Backups">Takes checkpoints of the store on request.</param>
/// <param name="Pruner">Removes inbox entries older than the retention, beside the loop.</param>
/// <param name="HistoryPruner">Removes history that <c>Statehouse:History:Retention</c> lets go, beside the loop (idle without retention).</param>
/// <param name="Replication">With replication: the coordinator the loop commits through, told of each session's log follower; else null.</param>
internal sealed record StoreServices(
    CommitEngine Engine, CommitLoop Loop, ReadService Reads, BackupService Backups, InboxPruner Pruner, HistoryPruner HistoryPruner,
    ReplicationCoordinator? Replication = null);
