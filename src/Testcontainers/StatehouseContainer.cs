using DotNet.Testcontainers.Clients;
using DotNet.Testcontainers.Containers;
using Statehouse.Client;
using Statehouse.Contracts;

namespace Statehouse.Testcontainers;

/// <summary>
/// A Statehouse worker container, made by <see cref="StatehouseBuilder"/>, with the RabbitMQ container it depends on,
/// their network and the named volume that holds the worker's store.
/// <para>
/// <see cref="DockerContainer.StartAsync"/> creates the network and the volume, starts the broker, then the worker, and
/// returns once the worker logged, in this start, that it is ready (store recovered, commit queue consumed).
/// <see cref="DockerContainer.StopAsync"/> stops the worker only (SIGTERM: it finishes the batch in flight and flushes);
/// starting it again, also after it was killed from outside, keeps its store, since the volume stays.
/// <c>DisposeAsync</c> removes the worker, the broker, the network and the volume, also after a start that failed half
/// way (what was never created is skipped), unless the builder said <c>WithCleanUp(false)</c>.
/// </para>
/// </summary>
public sealed class StatehouseContainer : DockerContainer
{
    private const string QueuePrefixVariable = "Statehouse__Broker__QueuePrefix";

    private readonly StatehouseConfiguration _configuration;
    private int _readyLinesBeforeStart;

    /// <summary>A worker container of <paramref name="configuration"/>, as <see cref="StatehouseBuilder.Build"/> makes it.</summary>
    public StatehouseContainer(StatehouseConfiguration configuration)
        : base(configuration)
    {
        _configuration = configuration;
    }

    /// <summary>
    /// The worker's queue prefix: <c>Statehouse:Broker:QueuePrefix</c> when given as a worker setting, else
    /// <see cref="TopologyNames.DefaultPrefix"/>.
    /// </summary>
    public string QueuePrefix =>
        _configuration.Environments.FirstOrDefault(e => string.Equals(e.Key, QueuePrefixVariable, StringComparison.OrdinalIgnoreCase)).Value
        ?? TopologyNames.DefaultPrefix;

    /// <summary>The ready lines in the worker's log before the current start began: a restart waits for one more.</summary>
    internal int ReadyLinesBeforeStart => Volatile.Read(ref _readyLinesBeforeStart);

    /// <summary>The broker's AMQP URI on this host (published port, user and password), e.g. <c>amqp://statehouse:statehouse@127.0.0.1:32771/</c>.</summary>
    /// <exception cref="InvalidOperationException">The broker is not started.</exception>
    public string GetRabbitMqConnectionString() => RabbitMq.GetConnectionString();

    /// <summary>
    /// Client options for this container: <see cref="GetRabbitMqConnectionString"/> and <see cref="QueuePrefix"/>, the
    /// client's defaults otherwise. A new object per call, for the caller to adjust.
    /// </summary>
    /// <exception cref="InvalidOperationException">The broker is not started.</exception>
    public StatehouseClientOptions GetClientOptions() =>
        new() { Uri = new Uri(GetRabbitMqConnectionString()), QueuePrefix = QueuePrefix };

    /// <inheritdoc />
    protected override async Task UnsafeStartAsync(CancellationToken ct = default)
    {
        // A container started again keeps its earlier log, ready lines included: a start waits for one more. A start of
        // a container that runs already has nothing new to wait for (Testcontainers' own modules return at once): its
        // last ready line counts. Testcontainers' cached state can still say running after a kill from outside, so the
        // engine is asked.
        var (stdout, stderr) = await GetLogsAsync(timestampsEnabled: false, ct: ct);
        var readyLines = UntilWorkerIsReady.CountReadyLines(stdout) + UntilWorkerIsReady.CountReadyLines(stderr);
        Volatile.Write(ref _readyLinesBeforeStart, await IsRunningAsync(ct) ? Math.Max(0, readyLines - 1) : readyLines);
        await base.UnsafeStartAsync(ct);
    }

    private async Task<bool> IsRunningAsync(CancellationToken ct)
    {
        using var client = _configuration.DockerEndpointAuthConfig.GetDockerClientBuilder(ResourceReaper.DefaultSessionId).Build();
        var inspected = await client.Containers.InspectContainerAsync(Id, ct);
        return inspected.State?.Running == true;
    }

    /// <summary>Removes the worker, then the broker and the network (unless they were given with
    /// <c>StatehouseBuilder.WithRabbitMqContainer</c>), then the store volume; every removal is tried before a
    /// failure is thrown.</summary>
    protected override async ValueTask DisposeAsyncCore()
    {
        var failures = new List<Exception>();
        async Task TryAsync(Func<ValueTask> dispose)
        {
            try
            {
                await dispose();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }

        await TryAsync(() => base.DisposeAsyncCore());
        if (_configuration.OwnsRabbitMq == true)
        {
            await TryAsync(() => RabbitMq.DisposeAsync());
            await TryAsync(() => _configuration.Network!.DisposeAsync());
        }

        await TryAsync(() => _configuration.StoreVolume!.DisposeAsync());
        if (failures.Count > 0)
        {
            throw new AggregateException("Not every Statehouse container resource was removed.", failures);
        }
    }

    private global::Testcontainers.RabbitMq.RabbitMqContainer RabbitMq =>
        _configuration.RabbitMqContainer ?? throw new InvalidOperationException("The container was not made by StatehouseBuilder.Build.");
}
