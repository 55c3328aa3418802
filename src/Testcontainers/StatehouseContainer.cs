using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;
using Statehouse.Client;
using Statehouse.Contracts;
using Testcontainers.RabbitMq;

namespace Statehouse.Testcontainers;

/// <summary>
/// A RabbitMQ container and a Statehouse worker container on a network of their own, made by
/// <see cref="StatehouseBuilder"/>. <see cref="StartAsync"/> starts the broker, then the worker, and returns once the
/// worker logged that it is ready (store recovered, commit queue consumed); <see cref="DisposeAsync"/> removes both
/// containers and the network. The worker's store lives in its container and goes with it.
/// </summary>
public sealed class StatehouseContainer : IAsyncDisposable
{
    /// <summary>The worker settings the container sets itself (environment variable names).</summary>
    internal static readonly string[] OwnSettings = ["Statehouse__Broker__Uri", "Statehouse__Storage__Path"];

    private const string BrokerAlias = "rabbitmq";
    private const string BrokerUser = "statehouse";
    private const string BrokerPassword = "statehouse";

    private const string QueuePrefixSetting = "Statehouse__Broker__QueuePrefix";

    private readonly INetwork _network;
    private readonly RabbitMqContainer _rabbitMq;
    private readonly IContainer _worker;

    internal StatehouseContainer(string rabbitMqImage, string workerImage, IReadOnlyDictionary<string, string> workerSettings)
    {
        QueuePrefix = workerSettings.TryGetValue(QueuePrefixSetting, out var prefix) ? prefix : TopologyNames.DefaultPrefix;
        RabbitMqImage = rabbitMqImage;
        WorkerImage = workerImage;
        _network = new NetworkBuilder().Build();
        _rabbitMq = new RabbitMqBuilder(rabbitMqImage)
            .WithUsername(BrokerUser)
            .WithPassword(BrokerPassword)
            .WithNetwork(_network)
            .WithNetworkAliases(BrokerAlias)
            .Build();
        _worker = new ContainerBuilder(workerImage)
            .WithNetwork(_network)
            .WithEnvironment(workerSettings)
            .WithEnvironment("Statehouse__Broker__Uri", $"amqp://{BrokerUser}:{BrokerPassword}@{BrokerAlias}:5672/")
            .WithEnvironment("Statehouse__Storage__Path", "/data/store")
            .WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged(WorkerLogMarkers.Ready))
            .Build();
    }

    /// <summary>The worker's queue prefix: <c>Statehouse:Broker:QueuePrefix</c> when passed as a worker setting, else the default.</summary>
    public string QueuePrefix { get; }

    public string RabbitMqImage { get; }

    public string WorkerImage { get; }

    /// <summary>Starts the broker, then the worker, and waits until the worker is ready.</summary>
    /// <exception cref="InvalidOperationException">Not started: no Docker engine, a missing image, or a container that
    /// exited; the message names the images and the cause.</exception>
    public async Task StartAsync(CancellationToken ct = default)
    {
        try
        {
            await _network.CreateAsync(ct);
            await _rabbitMq.StartAsync(ct);
            await _worker.StartAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"Statehouse containers did not start (broker {RabbitMqImage}, worker {WorkerImage}): {e.GetBaseException().Message}", e);
        }
    }

    /// <summary>Client options for the started pair: the broker's published AMQP port on this host and <see cref="QueuePrefix"/>.</summary>
    /// <exception cref="InvalidOperationException">The broker is not started.</exception>
    public StatehouseClientOptions GetClientOptions() =>
        new() { Uri = new Uri(_rabbitMq.GetConnectionString()), QueuePrefix = QueuePrefix };

    /// <summary>Removes the worker, the broker and the network, in that order.</summary>
    public async ValueTask DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _rabbitMq.DisposeAsync();
        await _network.DisposeAsync();
    }
}
