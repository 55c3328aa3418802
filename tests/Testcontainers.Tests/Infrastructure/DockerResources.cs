using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Clients;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Statehouse.Testing.Brokers;

namespace Statehouse.Testcontainers.Tests.Infrastructure;

/// <summary>
/// The Docker engine the tests' containers run on, through the same endpoint and API version Testcontainers uses:
/// kills a container (SIGKILL, as <c>docker kill</c>) and lists what a test left behind by its label.
/// </summary>
internal sealed class DockerResources : IDisposable
{
    /// <summary>The label each test puts on everything it creates (the module passes labels on to broker, network and volume).</summary>
    public const string TestLabel = "org.statehouse.test-run";

    public const string HowToGetDocker =
        "These tests need a Docker engine and the images of STATEHOUSE_RABBITMQ_IMAGE and STATEHOUSE_WORKER_IMAGE. " +
        "Here: scripts/docker.sh start, then scripts/images.sh, then export DOCKER_API_VERSION=1.41 " +
        "TESTCONTAINERS_RYUK_DISABLED=true and the two image variables it prints (docs/containers.md). " +
        "With a registry: start Docker and build the worker image (docker compose build).";

    private readonly DockerClient _client = TestcontainersSettings.OS.DockerEndpointAuthConfig is { } endpoint
        ? endpoint.GetDockerClientBuilder(ResourceReaper.DefaultSessionId).Build()
        : throw new InvalidOperationException("No Docker engine found. " + HowToGetDocker);

    /// <summary>A fresh value for <see cref="TestLabel"/>.</summary>
    public static string NewRunId() => Guid.NewGuid().ToString("N");

    /// <summary><see cref="TestLabel"/> = <paramref name="runId"/>, and the session label of scripts/test.sh (<see cref="TestSession"/>).</summary>
    public static IReadOnlyDictionary<string, string> Labels(string runId) =>
        new Dictionary<string, string>(TestSession.Labels) { [TestLabel] = runId };

    /// <summary>Runs <paramref name="start"/> (a container's <c>StartAsync</c>); a failure names what the tests need, with the cause inside.</summary>
    public static async Task StartAsync(Func<CancellationToken, Task> start, CancellationToken ct)
    {
        try
        {
            await start(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"The containers did not start ({e.GetType().Name}: {e.Message}). {HowToGetDocker}", e);
        }
    }

    /// <summary>SIGKILL to the container's main process, as <c>docker kill</c>: no shutdown code runs in it.</summary>
    public Task KillAsync(string containerId, CancellationToken ct) =>
        _client.Containers.KillContainerAsync(containerId, new ContainerKillParameters { Signal = "KILL" }, ct);

    /// <summary>Containers, networks and volumes that carry <see cref="TestLabel"/> = <paramref name="runId"/>, as "kind name".</summary>
    public async Task<List<string>> LeftOverAsync(string runId, CancellationToken ct)
    {
        var label = new FilterByProperty().Add("label", $"{TestLabel}={runId}");
        var containers = await _client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = label }, ct);
        var networks = await _client.Networks.ListNetworksAsync(new NetworksListParameters { Filters = label }, ct);
        var volumes = await _client.Volumes.ListAsync(new VolumesListParameters { Filters = label }, ct);
        return
        [
            .. containers.Select(c => $"container {string.Join(",", c.Names)} ({c.Image}, {c.State})"),
            .. networks.Select(n => $"network {n.Name}"),
            .. volumes.Volumes?.Select(v => $"volume {v.Name}") ?? [],
        ];
    }

    public void Dispose() => _client.Dispose();
}
