namespace Statehouse.Testcontainers;

/// <summary>
/// Builds a <see cref="StatehouseReplicatedContainer"/>: one RabbitMQ container and several Statehouse workers of one
/// replicated deployment (docs/replication.md): <c>Statehouse:Replication:Enabled</c> on every worker, each with its
/// own store on its own volume, all on one network. The broker picks the primary (the commit queue's single active
/// consumer); the others follow the log as replicas and take over when it is gone. Immutable, like every builder.
/// </summary>
/// <example>
/// <code>
/// await using var statehouse = new StatehouseReplicatedBuilder(StatehouseImages.Worker).Build();
/// await statehouse.StartAsync();
/// var primary = await statehouse.GetPrimaryAsync();
/// </code>
/// </example>
public sealed class StatehouseReplicatedBuilder
{
    /// <summary>Workers unless <see cref="WithWorkerCount"/> says otherwise: a primary and a replica.</summary>
    public const int DefaultWorkerCount = 2;

    /// <summary>The workers' HTTP port in their containers (<c>/health</c>, <c>/metrics</c>), published on a random host port.</summary>
    public const ushort HttpPort = 9464;

    private readonly StatehouseBuilder _worker;
    private readonly int _workerCount;

    /// <summary>A builder for workers of image <paramref name="image"/>.</summary>
    /// <param name="image">A full image name with its tag, e.g. <see cref="StatehouseImages.Worker"/>.</param>
    public StatehouseReplicatedBuilder(string image)
        : this(new StatehouseBuilder(image), DefaultWorkerCount)
    {
    }

    private StatehouseReplicatedBuilder(StatehouseBuilder worker, int workerCount)
    {
        _worker = worker;
        _workerCount = workerCount;
    }

    /// <summary>
    /// Configures every worker alike (one deployment has one configuration): worker settings, the broker's image and
    /// credentials, and the base builder's labels, logger or clean-up, which also go to the broker and the network.
    /// </summary>
    /// <param name="configure">Returns the configured builder, e.g. <c>w => w.WithWorkerSetting("Statehouse:Commit:MaxBatchCount", "1")</c>.</param>
    public StatehouseReplicatedBuilder WithWorkers(Func<StatehouseBuilder, StatehouseBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return new StatehouseReplicatedBuilder(configure(_worker), _workerCount);
    }

    /// <summary>How many workers: 2 to 9.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is outside 2..9.</exception>
    public StatehouseReplicatedBuilder WithWorkerCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 9);
        return new StatehouseReplicatedBuilder(_worker, count);
    }

    /// <summary>The broker, the network and the workers (each with its store volume), not created in Docker yet.</summary>
    /// <exception cref="ArgumentException">As <see cref="StatehouseBuilder.Build"/>.</exception>
    public StatehouseReplicatedContainer Build()
    {
        var worker = _worker
            .WithWorkerSetting("Statehouse:Replication:Enabled", "true")
            .WithWorkerSetting("Statehouse:Http:Enabled", "true")
            .WithWorkerSetting("Statehouse:Http:Address", "0.0.0.0")
            .WithWorkerSetting("Statehouse:Http:AllowNonLoopback", "true")
            .WithWorkerSetting("Statehouse:Http:Port", HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithPortBinding(HttpPort, true);
        var configuration = worker.Configuration;
        var (network, rabbitMq) = worker.BuildRabbitMq();
        var workers = Enumerable.Range(0, _workerCount)
            .Select(_ => worker.WithRabbitMqContainer(network, rabbitMq, configuration.RabbitMqNetworkAlias!, configuration.RabbitMqUsername!, configuration.RabbitMqPassword!).Build())
            .ToList();
        return new StatehouseReplicatedContainer(network, rabbitMq, workers);
    }
}
