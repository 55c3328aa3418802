using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Networks;
using DotNet.Testcontainers.Volumes;
using Testcontainers.RabbitMq;

namespace Statehouse.Testcontainers;

/// <summary>
/// The configuration of a <see cref="StatehouseContainer"/> (the worker container), as <see cref="StatehouseBuilder"/>
/// accumulates it: the base's container settings plus the broker's image and credentials, and, once built, the broker
/// container, the network and the store volume the worker depends on. Immutable: every builder call makes a new one.
/// </summary>
public sealed class StatehouseConfiguration : ContainerConfiguration
{
    /// <summary>A configuration with only the given Statehouse settings; <c>null</c> leaves a setting as it was.</summary>
    /// <param name="rabbitMqImage">The broker image, a full image name with its tag (<c>rabbitmq:4.1-management</c>).</param>
    /// <param name="rabbitMqUsername">The broker user the worker and the clients connect as.</param>
    /// <param name="rabbitMqPassword">That user's password.</param>
    /// <param name="rabbitMqNetworkAliases">The broker's host names on the network, one per node, as the worker reaches them.</param>
    /// <param name="rabbitMqContainer">The broker container (made by <see cref="StatehouseBuilder.Build"/>, or given
    /// with <c>StatehouseBuilder.WithRabbitMqContainer</c>).</param>
    /// <param name="network">The network of the broker and the worker (likewise).</param>
    /// <param name="ownsRabbitMq">Whether the container removes the broker and the network on dispose (true when
    /// <see cref="StatehouseBuilder.Build"/> made them).</param>
    /// <param name="storeVolume">The named volume holding the worker's store (made by <see cref="StatehouseBuilder.Build"/>).</param>
    public StatehouseConfiguration(
        string? rabbitMqImage = null,
        string? rabbitMqUsername = null,
        string? rabbitMqPassword = null,
        IReadOnlyList<string>? rabbitMqNetworkAliases = null,
        RabbitMqContainer? rabbitMqContainer = null,
        INetwork? network = null,
        bool? ownsRabbitMq = null,
        IVolume? storeVolume = null)
    {
        RabbitMqImage = rabbitMqImage;
        RabbitMqUsername = rabbitMqUsername;
        RabbitMqPassword = rabbitMqPassword;
        RabbitMqNetworkAliases = rabbitMqNetworkAliases;
        RabbitMqContainer = rabbitMqContainer;
        Network = network;
        OwnsRabbitMq = ownsRabbitMq;
        StoreVolume = storeVolume;
    }

    /// <summary>A copy of a base resource configuration (the base builder's <c>Clone</c>).</summary>
    public StatehouseConfiguration(IResourceConfiguration<CreateContainerParameters> resourceConfiguration)
        : base(resourceConfiguration)
    {
    }

    /// <summary>A copy of a base container configuration (the base builder's <c>Clone</c>).</summary>
    public StatehouseConfiguration(IContainerConfiguration resourceConfiguration)
        : base(resourceConfiguration)
    {
    }

    /// <summary>A copy of <paramref name="resourceConfiguration"/>.</summary>
    public StatehouseConfiguration(StatehouseConfiguration resourceConfiguration)
        : this(new StatehouseConfiguration(), resourceConfiguration)
    {
    }

    /// <summary><paramref name="oldValue"/> with what <paramref name="newValue"/> sets (the builder's <c>Merge</c>).</summary>
    public StatehouseConfiguration(StatehouseConfiguration oldValue, StatehouseConfiguration newValue)
        : base(oldValue, newValue)
    {
        RabbitMqImage = BuildConfiguration.Combine(oldValue.RabbitMqImage, newValue.RabbitMqImage);
        RabbitMqUsername = BuildConfiguration.Combine(oldValue.RabbitMqUsername, newValue.RabbitMqUsername);
        RabbitMqPassword = BuildConfiguration.Combine(oldValue.RabbitMqPassword, newValue.RabbitMqPassword);
        // Replaced, not concatenated as Combine does with lists: a new broker brings its own host names.
        RabbitMqNetworkAliases = newValue.RabbitMqNetworkAliases ?? oldValue.RabbitMqNetworkAliases;
        RabbitMqContainer = BuildConfiguration.Combine(oldValue.RabbitMqContainer, newValue.RabbitMqContainer);
        Network = BuildConfiguration.Combine(oldValue.Network, newValue.Network);
        OwnsRabbitMq = newValue.OwnsRabbitMq ?? oldValue.OwnsRabbitMq;
        StoreVolume = BuildConfiguration.Combine(oldValue.StoreVolume, newValue.StoreVolume);
    }

    /// <summary>The broker image, a full image name with its tag.</summary>
    public string? RabbitMqImage { get; }

    /// <summary>The broker user the worker and the clients connect as.</summary>
    public string? RabbitMqUsername { get; }

    /// <summary>The broker user's password.</summary>
    public string? RabbitMqPassword { get; }

    /// <summary>The broker's host names on the network, one per node (the worker connects to one that answers).</summary>
    public IReadOnlyList<string>? RabbitMqNetworkAliases { get; }

    /// <summary>The broker container; <c>null</c> until <see cref="StatehouseBuilder.Build"/> or <c>StatehouseBuilder.WithRabbitMqContainer</c>.</summary>
    public RabbitMqContainer? RabbitMqContainer { get; }

    /// <summary>The network of the broker and the worker; <c>null</c> until <see cref="StatehouseBuilder.Build"/> or <c>StatehouseBuilder.WithRabbitMqContainer</c>.</summary>
    public INetwork? Network { get; }

    /// <summary>Whether the worker container removes <see cref="RabbitMqContainer"/> and <see cref="Network"/> on dispose.</summary>
    public bool? OwnsRabbitMq { get; }

    /// <summary>The named volume mounted at <see cref="StatehouseBuilder.DataDirectory"/>; <c>null</c> until <see cref="StatehouseBuilder.Build"/>.</summary>
    public IVolume? StoreVolume { get; }
}
