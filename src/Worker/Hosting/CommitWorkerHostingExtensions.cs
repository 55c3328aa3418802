using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Statehouse.Contracts;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Hosting;

/// <summary>Wires the commit worker into a host and runs it.</summary>
internal static class CommitWorkerHostingExtensions
{
    /// <summary>Room for the group in flight to finish (write, replies, ack) after SIGTERM.</summary>
    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Registers the worker: settings from the <c>Statehouse</c> section, checked at start, and each of its sub-sections on
    /// its own; the store's owner (<see cref="StoreOpener"/>); the factory of the collaborators that work on the open store;
    /// the hosted services that run them. A second call changes nothing.
    /// </summary>
    /// <remarks>
    /// The store exists only once the worker opened it at start, so neither it nor anything built on it is a
    /// registration: the commit engine, commit loop, read service, backups and inbox pruner are built by
    /// <see cref="StoreServiceFactory"/> on the store <see cref="StoreOpener.OpenAsync"/> returned. Every registration
    /// resolves before start without opening anything.
    /// </remarks>
    public static IHostApplicationBuilder AddCommitWorker(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(CommitWorkerService)))
        {
            return builder;
        }

        services.AddOptions<StatehouseOptions>()
            .BindConfiguration(StatehouseOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StatehouseOptions>, StatehouseOptionsValidator>());
        // Each feature's settings on their own, taken from the validated whole: a collaborator asks for its section only.
        services.TryAddSingleton(sp => Settings(sp).Broker);
        services.TryAddSingleton(sp => Settings(sp).Storage);
        services.TryAddSingleton(sp => Settings(sp).Commit);
        services.TryAddSingleton(sp => Settings(sp).Limits);
        services.TryAddSingleton(sp => Settings(sp).Reads);
        services.TryAddSingleton(sp => Settings(sp).Authorization);
        services.TryAddSingleton(sp => Settings(sp).Backup);
        services.TryAddSingleton(sp => Settings(sp).Http);
        services.TryAddSingleton(sp => Settings(sp).Replication);
        services.TryAddSingleton(sp => Settings(sp).History);
        services.TryAddSingleton(sp => new TopologyNames(sp.GetRequiredService<BrokerOptions>().QueuePrefix));

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkerHealth>();
        services.TryAddSingleton<WorkerCounters>();
        services.TryAddSingleton<NamespaceAuthorizer>();
        services.TryAddSingleton<BrokerConnector>();
        services.TryAddSingleton(sp => new CommitQueueProbe(
            sp.GetRequiredService<TopologyNames>(), TimeSpan.FromSeconds(sp.GetRequiredService<BrokerOptions>().QueueProbeSeconds),
            sp.GetRequiredService<WorkerCounters>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CommitQueueProbe>>()));
        services.TryAddSingleton<DeploymentCheck>();
        // Opened by the worker service first thing at start (after the settings passed), waiting as a standby while locked.
        services.TryAddSingleton(sp => new StoreOpener(
            sp.GetRequiredService<StorageOptions>(), synced => WorkerMetrics.SyncDuration.Record(synced.TotalSeconds),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StoreOpener>>()));

        // What works on the store is built on it once it is open (StoreServiceFactory), so no registration needs the store.
        services.TryAddSingleton<StoreServiceFactory>();

        // Started first and stopped last: health answers while a standby waits for the store and until the worker stopped.
        services.TryAddSingleton<MonitoringServer>();
        services.AddHostedService(sp => sp.GetRequiredService<MonitoringServer>());
        services.TryAddSingleton<CommitWorkerService>();
        services.AddHostedService(sp => sp.GetRequiredService<CommitWorkerService>());
        services.Configure<HostOptions>(host => host.ShutdownTimeout = s_shutdownTimeout);
        // Every console formatter reads Logging:Console:FormatterOptions, whose timestamp format ends in a space that
        // separates it from the level in simple output; in a JSON value (Logging:Console:FormatterName=json) it is noise.
        services.PostConfigure<JsonConsoleFormatterOptions>(json => json.TimestampFormat = json.TimestampFormat?.TrimEnd());
        return builder;
    }

    /// <summary>
    /// Starts the host and waits for it to stop. Returns 0 after a clean stop, non-zero when the start failed
    /// (bad settings, store that cannot be opened) or the worker stopped on a fatal error.
    /// </summary>
    public static async Task<int> RunCommitWorkerAsync(this IHost host)
    {
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Statehouse.Worker");

        // Checked before the host starts: a failed start logs the exception with its stack trace, which would bury
        // the one line per invalid setting that the user needs.
        var invalid = SettingsCheck.Find(host.Services);
        foreach (var problem in invalid)
        {
            logger.StartFailed("invalid setting: " + problem);
        }

        if (invalid.Count > 0)
        {
            return 1;
        }

        try
        {
            await host.StartAsync();
        }
        catch (OperationCanceledException)
        {
            // Stopped before it started, e.g. a standby told to stop while it waited for the store.
            return 0;
        }
        catch (Exception ex)
        {
            logger.StartFailed(Describe(ex));
            return 1;
        }

        await host.WaitForShutdownAsync();
        return Environment.ExitCode;
    }

    private static StatehouseOptions Settings(IServiceProvider services) =>
        services.GetRequiredService<IOptions<StatehouseOptions>>().Value;

    private static string Describe(Exception exception) => exception switch
    {
        OptionsValidationException invalid => "invalid setting: " + string.Join(" ", invalid.Failures),
        StoreOpenException store => "cannot open the store: " + store.Message,
        StoreLockedException locked => "cannot open the store (Statehouse:Storage:WaitForLock is false): " + locked.Message,
        AggregateException many => string.Join(" ", many.InnerExceptions.Select(Describe)),
        _ => exception.Message,
    };
}
