using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Broker;

/// <summary>
/// A plain AMQP connection for what the client library does not expose: the commits exchange (<c>tail -f</c>) and the
/// dead-letter queue. No automatic recovery: a command that loses the broker fails with exit code 3.
/// </summary>
internal sealed class AmqpSession : IAsyncDisposable
{
    private AmqpSession(IConnection connection, string userName)
    {
        Connection = connection;
        UserName = userName;
    }

    public IConnection Connection { get; }

    /// <summary>The broker user this connection authenticated as (from the URI): what the broker accepts as <c>user_id</c>.</summary>
    public string UserName { get; }

    public static async Task<AmqpSession> OpenAsync(CliSettings settings, CancellationToken ct)
    {
        var factory = new ConnectionFactory
        {
            // User, password, virtual host and TLS; the nodes differ only in host and port.
            Uri = settings.Amqp[0],
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = settings.Timeout,
            ClientProvidedName = $"statehouse-cli@{Environment.MachineName}:{Environment.ProcessId}",
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            // One endpoint per node, built as the factory builds its own from a URI; tried in a random order.
            var endpoints = settings.Amqp.Select(uri => new ConnectionFactory { Uri = uri }.Endpoint).ToList();
            return new AmqpSession(await factory.CreateConnectionAsync(endpoints, timeout.Token).ConfigureAwait(false), factory.UserName);
        }
        catch (BrokerUnreachableException e)
        {
            throw CliException.Unavailable($"Cannot reach the broker at {settings.Endpoint}: {e.GetBaseException().Message}", e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw CliException.Unavailable($"Could not connect to the broker at {settings.Endpoint} within {CliContext.Seconds(settings.Timeout)}.");
        }
    }

    /// <summary>A new channel; with <paramref name="confirms"/> every publish waits for the broker's confirm.</summary>
    public async Task<IChannel> ChannelAsync(bool confirms, CancellationToken ct)
    {
        var options = new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms);
        return await Connection.CreateChannelAsync(options, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks that a queue exists without creating it (the worker declares the topology; creating it here with other
    /// arguments would break the worker's declaration). Returns its message count.
    /// </summary>
    public async Task<uint> RequireQueueAsync(string queue, string prefix, CancellationToken ct)
    {
        // A failed passive declare closes the channel, so it gets one of its own.
        await using var probe = await ChannelAsync(confirms: false, ct).ConfigureAwait(false);
        try
        {
            var ok = await probe.QueueDeclarePassiveAsync(queue, ct).ConfigureAwait(false);
            return ok.MessageCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            throw Missing("queue", queue, prefix, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Connection.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // Closing a connection the broker already dropped: nothing left to release.
        }

        Connection.Dispose();
    }

    private static CliException Missing(string kind, string name, string prefix, Exception e) =>
        CliException.Unavailable(
            $"The broker has no {kind} '{name}': no worker with queue prefix '{prefix}' has run on it yet (see --prefix).", e);
}
