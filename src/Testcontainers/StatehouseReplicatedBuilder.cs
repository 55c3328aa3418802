using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Testcontainers.RabbitMq;

namespace Statehouse.Testcontainers;

/// <summary>
/// Builds a <see cref="StatehouseReplicatedContainer"/>: a RabbitMQ broker (one node, or a cluster of
/// <see cref="WithRabbitMqNodes"/>) and several Statehouse workers of one replicated deployment (docs/replication.md):
/// <c>Statehouse:Replication:Enabled</c> on every worker, each with its own store on its own volume, all on one network. The broker picks the primary (the commit queue's single active
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

    /// <summary>Where a cluster's settings go in each node (RabbitMQ reads every file of conf.d).</summary>
    public const string ClusterConfigurationPath = "/etc/rabbitmq/conf.d/20-cluster.conf";

    /// <summary>The workers' HTTP port in their containers (<c>/health</c>, <c>/metrics</c>), published on a random host port.</summary>
    public const ushort HttpPort = 9464;

    private readonly StatehouseBuilder _worker;
    private readonly int _workerCount;
    private readonly int _rabbitMqNodes;

    /// <summary>A builder for workers of image <paramref name="image"/>.</summary>
    /// <param name="image">A full image name with its tag, e.g. <see cref="StatehouseImages.Worker"/>.</param>
    public StatehouseReplicatedBuilder(string image)
        : this(new StatehouseBuilder(image), DefaultWorkerCount, 1)
    {
    }

    private StatehouseReplicatedBuilder(StatehouseBuilder worker, int workerCount, int rabbitMqNodes)
    {
        _worker = worker;
        _workerCount = workerCount;
        _rabbitMqNodes = rabbitMqNodes;
    }

    /// <summary>
    /// Configures every worker alike (one deployment has one configuration): worker settings, the broker's image and
    /// credentials, and the base builder's labels, logger or clean-up, which also go to the broker and the network.
    /// </summary>
    /// <param name="configure">Returns the configured builder, e.g. <c>w => w.WithWorkerSetting("Statehouse:Commit:MaxBatchCount", "1")</c>.</param>
    public StatehouseReplicatedBuilder WithWorkers(Func<StatehouseBuilder, StatehouseBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return new StatehouseReplicatedBuilder(configure(_worker), _workerCount, _rabbitMqNodes);
    }

    /// <summary>How many workers: 2 to 9.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is outside 2..9.</exception>
    public StatehouseReplicatedBuilder WithWorkerCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 9);
        return new StatehouseReplicatedBuilder(_worker, count, _rabbitMqNodes);
    }

    /// <summary>
    /// How many RabbitMQ nodes: 1 (the default), or 3 to 5 in one cluster, as docker-compose.replicated.yml runs it
    /// (host names <c>rabbitmq-1</c>…, one Erlang cookie of this build, classic-config peer discovery; node 1 starts
    /// first and the others join it). The log stream and the quorum queues then have a replica on each node.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not 1 or 3..5.</exception>
    public StatehouseReplicatedBuilder WithRabbitMqNodes(int count)
    {
        if (count is not (1 or >= 3 and <= 5))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "1 node, or a cluster of 3 to 5 (a quorum survives the loss of one).");
        }

        return new StatehouseReplicatedBuilder(_worker, _workerCount, count);
    }

    /// <summary>The broker nodes, the network and the workers (each with its store volume), not created in Docker yet.</summary>
    /// <exception cref="ArgumentException">As <see cref="StatehouseBuilder.Build"/>.</exception>
    public StatehouseReplicatedContainer Build()
    {
        var worker = _worker
            .WithWorkerSetting("Statehouse:Replication:Enabled", "true")
            .WithWorkerSetting("Statehouse:Http:Enabled", "true")
            .WithWorkerSetting("Statehouse:Http:Address", "0.0.0.0")
            .WithWorkerSetting("Statehouse:Http:AllowNonLoopback", "true")
            .WithWorkerSetting("Statehouse:Http:Port", HttpPort.ToString(CultureInfo.InvariantCulture))
            .WithPortBinding(HttpPort, true);
        var configuration = worker.Configuration;
        var network = worker.BuildNetwork();
        List<string> aliases = _rabbitMqNodes == 1
            ? [StatehouseBuilder.RabbitMqNetworkAlias]
            : [.. Enumerable.Range(1, _rabbitMqNodes).Select(n => $"{StatehouseBuilder.RabbitMqNetworkAlias}-{n}")];
        var nodes = _rabbitMqNodes == 1
            ? [worker.NewRabbitMqBuilder(network).WithNetworkAliases(aliases[0]).Build()]
            : ClusterNodes(worker, network, aliases);
        var workers = Enumerable.Range(0, _workerCount)
            .Select(_ => worker.WithRabbitMqContainer(network, nodes[0], aliases, configuration.RabbitMqUsername!, configuration.RabbitMqPassword!).Build())
            .ToList();
        return new StatehouseReplicatedContainer(network, nodes, workers);
    }

    /// <summary>
    /// Nodes of one cluster: fixed host names (the node names <c>rabbit@rabbitmq-N</c> the peer list names), one Erlang
    /// cookie, fresh per build, and the peer list of deploy/rabbitmq/20-cluster.conf.
    /// </summary>
    private static List<RabbitMqContainer> ClusterNodes(StatehouseBuilder worker, DotNet.Testcontainers.Networks.INetwork network, List<string> aliases)
    {
        var cookie = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
        var peers = new StringBuilder("cluster_formation.peer_discovery_backend = classic_config\n");
        for (var n = 0; n < aliases.Count; n++)
        {
            peers.Append(CultureInfo.InvariantCulture, $"cluster_formation.classic_config.nodes.{n + 1} = rabbit@{aliases[n]}\n");
        }

        var settings = Encoding.UTF8.GetBytes(peers.ToString());
        return [.. aliases.Select(alias => worker.NewRabbitMqBuilder(network)
            .WithHostname(alias)
            .WithNetworkAliases(alias)
            .WithEnvironment("RABBITMQ_ERLANG_COOKIE", cookie)
            .WithResourceMapping(settings, ClusterConfigurationPath)
            .Build())];
    }
}
