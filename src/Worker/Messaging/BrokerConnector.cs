using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Statehouse.Worker.Commit;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// Opens connections to the broker, to one node of the cluster when <c>Statehouse:Broker:Uri</c> lists several, retrying
/// for as long as it takes: the broker may start after the worker.
/// </summary>
internal sealed class BrokerConnector(BrokerOptions broker, LimitOptions limits, TimeProvider time, ILogger<BrokerConnector> logger)
{
    /// <summary>RabbitMQ's largest message (max_message_size can be set at most to 512 MiB; 128 MiB is the 3.x default).</summary>
    private const long BrokerMaxMessageBytes = (128L << 20) + (1 << 20);

    /// <summary>
    /// Connects to one of the nodes of <see cref="BrokerOptions.Uri"/>, trying again after
    /// <see cref="BrokerOptions.ReconnectDelaySeconds"/> until one answers or <paramref name="cancellationToken"/> is
    /// cancelled. Logs the node it connected to, without credentials.
    /// </summary>
    public async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var uris = broker.ParseUris();
        var factory = new ConnectionFactory
        {
            // User, password, virtual host and TLS; the nodes differ only in host and port (BrokerUris checks that).
            Uri = uris[0],
            ClientProvidedName = $"statehouse-worker {Environment.MachineName} {Environment.ProcessId}",
            // Off on purpose: delivery tags belong to one channel, so the worker rebuilds a lost session whole
            // (topology, consumers) and drops what it still held from the old one; the broker redelivers it.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            // Notice a dead peer within seconds rather than minutes; the standby worker can only take over after that.
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            // Accept every body the broker can deliver (RabbitMQ's own ceiling is 128 MiB): a larger limit here than
            // Limits:MaxMessageBytes means an oversized commit reaches the engine and is answered PAYLOAD_TOO_LARGE,
            // instead of breaking the connection on every redelivery.
            MaxInboundMessageBodySize = (uint)Math.Max(BrokerMaxMessageBytes, (long)limits.MaxMessageBytes + (1 << 20)),
        };
        var endpoints = Endpoints(uris, factory.MaxInboundMessageBodySize);
        var nodes = Contracts.BrokerUris.Describe(uris);
        var delay = TimeSpan.FromSeconds(broker.ReconnectDelaySeconds);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // RabbitMQ.Client's default endpoint resolver tries the nodes in a new random order on every call: workers
                // spread over the nodes, and a dead node is not always the first one tried (each costs a refused or
                // timed-out TCP connect).
                var connection = await factory.CreateConnectionAsync(endpoints, cancellationToken);
                logger.BrokerConnected(Describe(connection.Endpoint, uris[0]), attempt);
                return connection;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.BrokerConnectFailed(nodes, attempt, delay.TotalSeconds, ex.GetBaseException().Message);
            }

            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>
    /// One endpoint per node, each built as RabbitMQ.Client builds a factory's own from a URI (TLS on for amqps, with the
    /// node's host as the server name) and each with the body limit: the connection reads frames with its endpoint's limit.
    /// </summary>
    private static IReadOnlyList<AmqpTcpEndpoint> Endpoints(IReadOnlyList<Uri> uris, uint maxInboundMessageBodySize) =>
        [.. uris.Select(uri => new ConnectionFactory { Uri = uri, MaxInboundMessageBodySize = maxInboundMessageBodySize }.Endpoint)];

    /// <summary>The node a connection reached, as a URI without user name and password (<c>amqp://host:port/vhost</c>), for logs.</summary>
    private static string Describe(AmqpTcpEndpoint endpoint, Uri template) => $"{endpoint}{template.AbsolutePath}";
}
