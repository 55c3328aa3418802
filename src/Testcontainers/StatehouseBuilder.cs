using System.Diagnostics.CodeAnalysis;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;
using DotNet.Testcontainers.Networks;
using Testcontainers.RabbitMq;

namespace Statehouse.Testcontainers;

/// <summary>
/// Builds a <see cref="StatehouseContainer"/>: a Statehouse worker container that depends on a RabbitMQ container, on a
/// network of their own, with the worker's store on a named volume of its own. Like every Testcontainers builder it is
/// immutable (each <c>With…</c> returns a new builder), and the base's methods (<c>WithEnvironment</c>,
/// <c>WithLogger</c>, <c>WithLabel</c>, <c>WithCleanUp</c>, <c>WithName</c>, …) configure the worker container; logger,
/// labels, clean-up and Docker endpoint also go to the broker, the network and the volume.
/// </summary>
/// <example>
/// <code>
/// await using var statehouse = new StatehouseBuilder(StatehouseImages.Worker).Build();
/// await statehouse.StartAsync();
/// await using var client = await StatehouseClient.ConnectAsync(statehouse.GetClientOptions());
/// </code>
/// </example>
public sealed class StatehouseBuilder : ContainerBuilder<StatehouseBuilder, StatehouseContainer, StatehouseConfiguration>
{
    /// <summary>The broker's host name on the containers' network.</summary>
    public const string RabbitMqNetworkAlias = "rabbitmq";

    /// <summary>The broker user unless <see cref="WithRabbitMqUsername"/> says otherwise.</summary>
    public const string DefaultRabbitMqUsername = "statehouse";

    /// <summary>The broker password unless <see cref="WithRabbitMqPassword"/> says otherwise.</summary>
    public const string DefaultRabbitMqPassword = "statehouse";

    /// <summary>Where the store volume is mounted in the worker container (the image's non-root user owns it).</summary>
    public const string DataDirectory = "/data";

    /// <summary>The worker's store directory, on the store volume.</summary>
    public const string StorePath = DataDirectory + "/store";

    /// <summary>The worker settings (environment variable names) the module sets itself and refuses from users.</summary>
    internal static readonly string[] OwnSettings = ["Statehouse__Broker__Uri", "Statehouse__Storage__Path"];

    /// <summary>How long the worker may take from container start to its ready line.</summary>
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The worker image of <see cref="StatehouseImages.Worker"/>.</summary>
    [Obsolete("Use the constructor with the image parameter, like Testcontainers' own modules: new StatehouseBuilder(StatehouseImages.Worker).")]
    [ExcludeFromCodeCoverage]
    public StatehouseBuilder()
        : this(StatehouseImages.Worker)
    {
    }

    /// <summary>A builder for the worker image <paramref name="image"/>.</summary>
    /// <param name="image">A full image name with its tag, e.g. <see cref="StatehouseImages.Worker"/> or <c>statehouse-worker:local</c>.</param>
    public StatehouseBuilder(string image)
        : this(new DockerImage(image))
    {
    }

    /// <summary>A builder for the worker image <paramref name="image"/>.</summary>
    public StatehouseBuilder(IImage image)
        : this(new StatehouseConfiguration())
    {
        DockerResourceConfiguration = Init().WithImage(image).DockerResourceConfiguration;
    }

    private StatehouseBuilder(StatehouseConfiguration resourceConfiguration)
        : base(resourceConfiguration)
    {
        DockerResourceConfiguration = resourceConfiguration;
    }

    /// <inheritdoc />
    protected override StatehouseConfiguration DockerResourceConfiguration { get; }

    /// <summary>The broker image, a full image name with its tag (default <see cref="StatehouseImages.RabbitMq"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="image"/> is empty.</exception>
    public StatehouseBuilder WithRabbitMqImage(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        return Merge(DockerResourceConfiguration, new StatehouseConfiguration(rabbitMqImage: image));
    }

    /// <summary>The broker user the worker and the clients connect as (default <see cref="DefaultRabbitMqUsername"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="username"/> is empty.</exception>
    public StatehouseBuilder WithRabbitMqUsername(string username)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        return Merge(DockerResourceConfiguration, new StatehouseConfiguration(rabbitMqUsername: username));
    }

    /// <summary>The broker user's password (default <see cref="DefaultRabbitMqPassword"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="password"/> is empty.</exception>
    public StatehouseBuilder WithRabbitMqPassword(string password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(password);
        return Merge(DockerResourceConfiguration, new StatehouseConfiguration(rabbitMqPassword: password));
    }

    /// <summary>
    /// A worker setting by its configuration key (<c>Statehouse:Commit:MaxBatchCount</c>, see docs/configuration.md),
    /// passed to the worker as an environment variable (<c>Statehouse__Commit__MaxBatchCount</c>); a later call with the
    /// same key wins. <c>Statehouse:Broker:QueuePrefix</c> also goes into <see cref="StatehouseContainer.GetClientOptions"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An empty key, or the broker URI or the store path, which the module sets itself.</exception>
    public StatehouseBuilder WithWorkerSetting(string key, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        var variable = key.Replace(":", "__", StringComparison.Ordinal);
        if (IsOwnSetting(variable))
        {
            throw new ArgumentException($"'{key}' is set by the Statehouse module itself.", nameof(key));
        }

        return WithEnvironment(variable, value);
    }

    /// <summary>
    /// Connects the worker to a broker container the caller owns, instead of one of its own (like Testcontainers'
    /// ServiceBus module's <c>WithMsSqlContainer</c>): several workers of one deployment share a broker this way. The
    /// worker container then starts the broker when it starts (it depends on it) but neither removes it nor
    /// <paramref name="network"/>; the caller disposes them, after the workers.
    /// </summary>
    /// <param name="network">The broker's network; the worker joins it.</param>
    /// <param name="container">The broker, built with <paramref name="username"/> and <paramref name="password"/>.</param>
    /// <param name="networkAlias">The broker's network alias, the host name the worker connects to.</param>
    /// <param name="username">The broker user the worker and the clients connect as.</param>
    /// <param name="password">That user's password.</param>
    /// <exception cref="ArgumentException">An empty alias, user or password.</exception>
    public StatehouseBuilder WithRabbitMqContainer(
        INetwork network, RabbitMqContainer container, string networkAlias, string username = DefaultRabbitMqUsername, string password = DefaultRabbitMqPassword) =>
        WithRabbitMqContainer(network, container, [networkAlias], username, password);

    /// <summary>
    /// Like <see cref="WithRabbitMqContainer(INetwork, RabbitMqContainer, string, string, string)"/>, for a broker
    /// cluster the caller owns and starts: <paramref name="container"/> is the node the worker container starts with
    /// it and <see cref="StatehouseContainer.GetClientOptions"/> points at; the worker gets every node's host name
    /// (<c>amqp://…@rabbitmq-1:5672/,amqp://…@rabbitmq-2:5672/,…</c>), connects to one that answers and moves to
    /// another when it loses it.
    /// </summary>
    /// <param name="network">The broker's network; the worker joins it.</param>
    /// <param name="container">The node the worker container starts with it, built with <paramref name="username"/> and <paramref name="password"/>.</param>
    /// <param name="networkAliases">Every node's network alias, in the order the worker tries them.</param>
    /// <param name="username">The broker user the worker and the clients connect as.</param>
    /// <param name="password">That user's password.</param>
    /// <exception cref="ArgumentException">No alias, an empty one, an empty user or password.</exception>
    public StatehouseBuilder WithRabbitMqContainer(
        INetwork network, RabbitMqContainer container, IReadOnlyList<string> networkAliases, string username = DefaultRabbitMqUsername, string password = DefaultRabbitMqPassword)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(networkAliases);
        if (networkAliases.Count == 0 || networkAliases.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("The broker needs at least one network alias, none empty.", nameof(networkAliases));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        ArgumentException.ThrowIfNullOrWhiteSpace(password);
        return Merge(new StatehouseConfiguration(
            rabbitMqUsername: username, rabbitMqPassword: password, rabbitMqNetworkAliases: [.. networkAliases],
            rabbitMqContainer: container, network: network, ownsRabbitMq: false));
    }

    /// <summary>
    /// Validates the configuration and makes the worker container with its store volume and, unless
    /// <c>StatehouseBuilder.WithRabbitMqContainer</c> gave one, its broker container and network (nothing is created in Docker
    /// before <see cref="DockerContainer.StartAsync"/>). Each call makes new ones.
    /// </summary>
    /// <exception cref="ArgumentException">A missing image or credential, or a setting the module owns set through
    /// <c>WithEnvironment</c>.</exception>
    public override StatehouseContainer Build()
    {
        Validate();
        var configuration = DockerResourceConfiguration;
        var builder = configuration.RabbitMqContainer is null ? WithOwnRabbitMq() : this;
        configuration = builder.DockerResourceConfiguration;
        var storeVolume = new VolumeBuilder()
            .WithDockerEndpoint(configuration.DockerEndpointAuthConfig)
            .WithLogger(configuration.Logger)
            .WithLabel(configuration.Labels)
            .Build();
        var brokerUris = configuration.RabbitMqNetworkAliases!.Select(alias => new UriBuilder("amqp", alias, RabbitMqBuilder.RabbitMqPort)
        {
            UserName = Uri.EscapeDataString(configuration.RabbitMqUsername!),
            Password = Uri.EscapeDataString(configuration.RabbitMqPassword!),
        }.Uri.ToString());
        var worker = builder.Merge(new StatehouseConfiguration(storeVolume: storeVolume))
            .DependsOn(configuration.RabbitMqContainer!)
            .WithNetwork(configuration.Network!)
            .WithVolumeMount(storeVolume, DataDirectory)
            .WithEnvironment(OwnSettings[0], string.Join(",", brokerUris))
            .WithEnvironment(OwnSettings[1], StorePath);
        return new StatehouseContainer(worker.DockerResourceConfiguration);
    }

    /// <summary>The configuration as built so far, for <see cref="StatehouseReplicatedBuilder"/>.</summary>
    internal StatehouseConfiguration Configuration => DockerResourceConfiguration;

    /// <inheritdoc />
    protected override StatehouseBuilder Init() =>
        base.Init()
            .WithRabbitMqImage(StatehouseImages.RabbitMq)
            .WithRabbitMqUsername(DefaultRabbitMqUsername)
            .WithRabbitMqPassword(DefaultRabbitMqPassword)
            .Merge(new StatehouseConfiguration(rabbitMqNetworkAliases: [RabbitMqNetworkAlias]))
            .WithWaitStrategy(Wait.ForUnixContainer().AddCustomWaitStrategy(new UntilWorkerIsReady(), o => o.WithTimeout(s_readyTimeout)));

    /// <inheritdoc />
    protected override void Validate()
    {
        base.Validate();
        Require(DockerResourceConfiguration.RabbitMqImage, nameof(WithRabbitMqImage));
        Require(DockerResourceConfiguration.RabbitMqUsername, nameof(WithRabbitMqUsername));
        Require(DockerResourceConfiguration.RabbitMqPassword, nameof(WithRabbitMqPassword));
        Require(DockerResourceConfiguration.RabbitMqNetworkAliases?.FirstOrDefault(), nameof(WithRabbitMqContainer));
        var own = DockerResourceConfiguration.Environments.Keys.Where(IsOwnSetting).ToList();
        if (own.Count > 0)
        {
            throw new ArgumentException(
                $"{string.Join(", ", own)} is set by the Statehouse module itself (the broker on the module's network, the store on its volume); remove it from WithEnvironment.",
                nameof(DockerResourceConfiguration.Environments));
        }
    }

    /// <inheritdoc />
    protected override StatehouseBuilder Clone(IResourceConfiguration<CreateContainerParameters> resourceConfiguration) =>
        Merge(DockerResourceConfiguration, new StatehouseConfiguration(resourceConfiguration));

    /// <inheritdoc />
    protected override StatehouseBuilder Clone(IContainerConfiguration resourceConfiguration) =>
        Merge(DockerResourceConfiguration, new StatehouseConfiguration(resourceConfiguration));

    /// <inheritdoc />
    protected override StatehouseBuilder Merge(StatehouseConfiguration oldValue, StatehouseConfiguration newValue) =>
        new(new StatehouseConfiguration(oldValue, newValue));

    /// <summary>A network with this builder's Docker endpoint, logger and labels (clean-up included).</summary>
    internal INetwork BuildNetwork()
    {
        var configuration = DockerResourceConfiguration;
        return new NetworkBuilder()
            .WithDockerEndpoint(configuration.DockerEndpointAuthConfig)
            .WithLogger(configuration.Logger)
            .WithLabel(configuration.Labels)
            .Build();
    }

    /// <summary>
    /// A broker builder of this builder's broker image and credentials, Docker endpoint, logger and labels, on
    /// <paramref name="network"/>: for the worker's own broker, or the nodes <see cref="StatehouseReplicatedBuilder"/> shares.
    /// </summary>
    internal RabbitMqBuilder NewRabbitMqBuilder(INetwork network)
    {
        var configuration = DockerResourceConfiguration;
        return new RabbitMqBuilder(configuration.RabbitMqImage!)
            .WithDockerEndpoint(configuration.DockerEndpointAuthConfig)
            .WithLogger(configuration.Logger)
            .WithLabel(configuration.Labels)
            .WithUsername(configuration.RabbitMqUsername!)
            .WithPassword(configuration.RabbitMqPassword!)
            .WithNetwork(network);
    }

    /// <summary>This builder with a broker container and a network of its own, removed with the worker.</summary>
    private StatehouseBuilder WithOwnRabbitMq()
    {
        var network = BuildNetwork();
        var rabbitMq = NewRabbitMqBuilder(network).WithNetworkAliases(DockerResourceConfiguration.RabbitMqNetworkAliases![0]).Build();
        return Merge(new StatehouseConfiguration(rabbitMqContainer: rabbitMq, network: network, ownsRabbitMq: true));
    }

    private StatehouseBuilder Merge(StatehouseConfiguration newValue) => Merge(DockerResourceConfiguration, newValue);

    private static bool IsOwnSetting(string variable) => OwnSettings.Contains(variable, StringComparer.OrdinalIgnoreCase);

    private static void Require(string? value, string setter)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"The Statehouse module needs a value here: call {setter} with one.", setter);
        }
    }
}
