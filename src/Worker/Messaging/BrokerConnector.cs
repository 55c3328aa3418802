using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Statehouse.Worker.Commit;

namespace Statehouse.Worker.Messaging;

/// <summary>Opens connections to the broker, retrying for as long as it takes: the broker may start after the worker.</summary>
internal sealed class BrokerConnector(BrokerOptions broker, LimitOptions limits, TimeProvider time, ILogger<BrokerConnector> logger)
{
    /// <summary>RabbitMQ's largest message (max_message_size can be set at most to 512 MiB; 128 MiB is the 3.x default).</summary>
    private const long BrokerMaxMessageBytes = (128L << 20) + (1 << 20);

    public async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = broker.Uri,
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
        var endpoint = Describe(broker.Uri);
        var delay = TimeSpan.FromSeconds(broker.ReconnectDelaySeconds);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var connection = await factory.CreateConnectionAsync(cancellationToken);
                logger.BrokerConnected(endpoint, attempt);
                return connection;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.BrokerConnectFailed(endpoint, attempt, delay.TotalSeconds, ex.GetBaseException().Message);
            }

            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>The URI without user name and password, for logs.</summary>
    public static string Describe(Uri uri) =>
        uri.IsAbsoluteUri ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(invalid URI)";
}
