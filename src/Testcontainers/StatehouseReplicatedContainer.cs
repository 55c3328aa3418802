using System.Text.Json;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;
using Statehouse.Client;
using Testcontainers.RabbitMq;

namespace Statehouse.Testcontainers;

/// <summary>
/// A replicated Statehouse deployment in containers, made by <see cref="StatehouseReplicatedBuilder"/>: a RabbitMQ
/// broker (one node or a cluster) and several workers (<see cref="StatehouseContainer"/>s, each with its own store
/// volume) on one network. <see cref="StartAsync"/> starts the broker's first node, then the others (they join it),
/// then every worker, and returns once each worker logged that it is ready. <see cref="DisposeAsync"/> removes the
/// workers and their volumes, then the broker nodes and the network, also after a start that failed half way.
/// </summary>
public sealed class StatehouseReplicatedContainer : IAsyncDisposable
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(250);

    private readonly INetwork _network;

    internal StatehouseReplicatedContainer(INetwork network, IReadOnlyList<RabbitMqContainer> rabbitMqNodes, IReadOnlyList<StatehouseContainer> workers)
    {
        _network = network;
        RabbitMqNodes = rabbitMqNodes;
        Workers = workers;
    }

    /// <summary>The broker's nodes (one unless <see cref="StatehouseReplicatedBuilder.WithRabbitMqNodes"/>), <c>rabbitmq-1</c> first.</summary>
    public IReadOnlyList<RabbitMqContainer> RabbitMqNodes { get; }

    /// <summary>The workers, in the order they were built; which one is the primary is the broker's choice (<see cref="GetPrimaryAsync"/>).</summary>
    public IReadOnlyList<StatehouseContainer> Workers { get; }

    /// <summary>
    /// Starts the broker's first node, then the other nodes together (they join the first), then the workers together,
    /// and waits until every worker is ready.
    /// </summary>
    /// <exception cref="TimeoutException">A worker was not ready within the module's wait (2 minutes).</exception>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await RabbitMqNodes[0].StartAsync(ct);
        await Task.WhenAll(RabbitMqNodes.Skip(1).Select(node => node.StartAsync(ct)));
        await Task.WhenAll(Workers.Select(worker => worker.StartAsync(ct)));
    }

    /// <summary>
    /// Client options for the deployment: every broker node's published AMQP port on this host (<see
    /// cref="StatehouseClientOptions.Uris"/>, so the client moves to another node when it loses one) and the workers'
    /// queue prefix. A new object per call.
    /// </summary>
    /// <exception cref="InvalidOperationException">The broker is not started.</exception>
    public StatehouseClientOptions GetClientOptions()
    {
        var options = Workers[0].GetClientOptions();
        options.Uris = [.. RabbitMqNodes.Select(node => new Uri(node.GetConnectionString()))];
        return options;
    }

    /// <summary>
    /// The role a worker reports on <c>GET /health</c>: <c>primary</c> or <c>replica</c>; <c>null</c> when it does not
    /// answer (stopped, killed, starting).
    /// </summary>
    public static async Task<string?> GetRoleAsync(StatehouseContainer worker, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(worker);
        if (worker.State != TestcontainersStates.Running)
        {
            return null;
        }

        try
        {
            var url = new UriBuilder("http", worker.Hostname, worker.GetMappedPublicPort(StatehouseReplicatedBuilder.HttpPort), "/health").Uri;
            // /health answers 503 with the same document while the worker is unhealthy.
            using var response = await s_http.GetAsync(url, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var health = await JsonDocument.ParseAsync(body, cancellationToken: ct);
            return health.RootElement.TryGetProperty("role", out var role) ? role.GetString() : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// The worker that reports itself the primary, once exactly one does (after a failover it takes the new primary a
    /// moment to take over).
    /// </summary>
    /// <param name="timeout">How long to wait for one primary; default 60 s.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <exception cref="TimeoutException">No single primary within <paramref name="timeout"/>; the message gives the roles seen.</exception>
    public async Task<StatehouseContainer> GetPrimaryAsync(TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var roles = await Task.WhenAll(Workers.Select(worker => GetRoleAsync(worker, ct)));
            var primaries = Workers.Where((_, i) => roles[i] == "primary").ToList();
            if (primaries.Count == 1)
            {
                return primaries[0];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No single primary among the workers: roles {string.Join(", ", roles.Select(r => r ?? "none"))}.");
            }

            // Polling the workers' health endpoints: there is no event to wait for.
            await Task.Delay(s_pollInterval, ct);
        }
    }

    /// <summary>Removes the workers and their volumes, then the broker nodes, then the network; every removal is tried
    /// before a failure is thrown.</summary>
    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        foreach (var dispose in Workers.Select(worker => (Func<ValueTask>)worker.DisposeAsync)
                     .Concat(RabbitMqNodes.Reverse().Select(node => (Func<ValueTask>)node.DisposeAsync))
                     .Append(_network.DisposeAsync))
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

        if (failures.Count > 0)
        {
            throw new AggregateException("Not every replicated Statehouse resource was removed.", failures);
        }
    }
}
