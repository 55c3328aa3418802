using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Hosting;

/// <summary>
/// Builds the <see cref="StoreServices"/> on a store that is open. The store exists only once the worker opened it at
/// start, so nothing registered depends on it: this factory is the registration (it needs nothing but the container and
/// resolves safely before start), and the container constructs each collaborator
/// (<see cref="ActivatorUtilities.CreateInstance{T}(IServiceProvider, object[])"/>) from its registered settings and
/// singletons plus the arguments given here: the store and the figures derived from settings.
/// </summary>
internal sealed class StoreServiceFactory(IServiceProvider services)
{
    /// <summary>
    /// The engine, commit loop, read service, backups, inbox pruner and history pruner on <paramref name="store"/>, and with
    /// <c>Statehouse:Replication:Enabled</c> the replication coordinator the loop commits through; new instances on
    /// every call (the worker calls it once). Throws what resolving a setting throws (invalid settings).
    /// </summary>
    public StoreServices Create(StateStore store)
    {
        var commit = services.GetRequiredService<CommitOptions>();
        var engine = ActivatorUtilities.CreateInstance<CommitEngine>(services, store, (TimeSpan?)commit.InboxRetention);
        var replication = services.GetRequiredService<ReplicationOptions>().Enabled
            ? ActivatorUtilities.CreateInstance<ReplicationCoordinator>(services, engine, store)
            : null;
        object[] loopArguments = [engine, DeliveryBudget.For(commit, services.GetRequiredService<LimitOptions>()),
            services.GetRequiredService<BrokerOptions>().DeliveryLimit, services.GetRequiredService<ILogger<CommitLoop>>()];
        var loop = ActivatorUtilities.CreateInstance<CommitLoop>(services, replication is null ? loopArguments : [.. loopArguments, replication]);
        var backups = ActivatorUtilities.CreateInstance<BackupService>(services, store);
        var reads = ActivatorUtilities.CreateInstance<ReadService>(services, store, backups);
        var pruner = ActivatorUtilities.CreateInstance<InboxPruner>(services, store, commit.InboxRetention);
        var historyPruner = ActivatorUtilities.CreateInstance<HistoryPruner>(services, store);
        return new StoreServices(engine, loop, reads, backups, pruner, historyPruner, replication);
    }
}
