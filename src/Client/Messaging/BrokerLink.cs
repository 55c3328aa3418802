using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;

namespace Statehouse.Client.Messaging;

/// <summary>
/// The client's one broker connection: a publishing channel with publisher confirms (every publish awaits the broker's
/// confirm; concurrent publishes on it are supported by RabbitMQ.Client 7.2.1+), and a consumer on the client's
/// exclusive reply queue that completes waiting requests by correlation id.
/// The reply queue is server-named: if connection recovery re-creates it under a new name, later publishes (resends
/// included) carry the new name as <c>reply_to</c>. A client-named exclusive queue could instead fail recovery with
/// RESOURCE_LOCKED while the broker still holds the dead connection that owned it.
/// </summary>
internal sealed class BrokerLink : IAsyncDisposable
{
    private static readonly CreateChannelOptions s_confirmedChannel =
        new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    /// <summary>Pause before publishing again after a failure while the connection is up.</summary>
    private static readonly TimeSpan s_publishRetryPause = TimeSpan.FromMilliseconds(250);

    private readonly IConnection _connection;
    private readonly IChannel _replyChannel;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<byte[]>> _pending = new(StringComparer.Ordinal);
    private volatile IChannel _publishChannel;
    private volatile string _replyQueue;

    /// <summary>Completed (and replaced) each time automatic recovery restored the connection.</summary>
    private TaskCompletionSource _recovered = NewSignal();
    private int _disposed;

    /// <summary>
    /// The connection's user, sent as the AMQP user_id of every request. The broker rejects a user_id that differs
    /// from the connection's user, so the worker can trust it to authorize namespaces.
    /// </summary>
    private readonly string _userId;

    private BrokerLink(
        IConnection connection, IChannel publishChannel, IChannel replyChannel, string replyQueue, string userId, ILogger logger, TimeProvider time)
    {
        _connection = connection;
        _userId = userId;
        _publishChannel = publishChannel;
        _replyChannel = replyChannel;
        _replyQueue = replyQueue;
        _logger = logger;
        _time = time;
    }

    /// <summary>The queue replies arrive on (may change after a connection recovery).</summary>
    public string ReplyQueue => _replyQueue;

    /// <summary>Whether the connection is up (false while automatic recovery is reconnecting).</summary>
    public bool IsOpen => _connection.IsOpen;

    /// <summary>Completes the next time automatic recovery restored the connection.</summary>
    public Task NextRecovery => Volatile.Read(ref _recovered).Task;

    /// <summary>The connection name the broker shows.</summary>
    public string ClientName => _connection.ClientProvidedName ?? string.Empty;

    public static async Task<BrokerLink> OpenAsync(StatehouseClientOptions options, ILogger logger, CancellationToken ct)
    {
        var nodes = options.BrokerNodes();
        var factory = new ConnectionFactory
        {
            // User, password, virtual host and TLS; the nodes differ only in host and port (BrokerUris checks that).
            Uri = nodes[0],
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = options.ReconnectInterval,
            ClientProvidedName = options.ClientName ?? $"statehouse-client@{Environment.MachineName}:{Environment.ProcessId}",
        };

        // Each node's endpoint built as the factory builds its own from a URI (TLS for amqps, the node's host as the
        // server name, the frame limit). RabbitMQ.Client's default resolver tries them in a new random order on every
        // connect and every recovery, so clients spread over the nodes and go on when one of them is lost.
        var endpoints = nodes.Select(uri => new ConnectionFactory { Uri = uri, MaxInboundMessageBodySize = factory.MaxInboundMessageBodySize }.Endpoint).ToList();
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(endpoints, ct).ConfigureAwait(false);
        }
        catch (BrokerUnreachableException e)
        {
            throw new StatehouseUnavailableException(
                $"Cannot reach the broker at {BrokerUris.Describe(nodes)}: {e.GetBaseException().Message}", null, e);
        }

        try
        {
            var publishChannel = await connection.CreateChannelAsync(s_confirmedChannel, ct).ConfigureAwait(false);
            var replyChannel = await connection.CreateChannelAsync(cancellationToken: ct).ConfigureAwait(false);
            var declared = await replyChannel.QueueDeclareAsync(
                queue: string.Empty, durable: false, exclusive: true, autoDelete: true, arguments: null, cancellationToken: ct).ConfigureAwait(false);

            var link = new BrokerLink(connection, publishChannel, replyChannel, declared.QueueName, factory.UserName, logger, options.TimeProvider);
            var consumer = new AsyncEventingBasicConsumer(replyChannel);
            consumer.ReceivedAsync += link.OnReplyAsync;
            connection.ConnectionShutdownAsync += link.OnConnectionShutdownAsync;
            connection.RecoverySucceededAsync += link.OnRecoverySucceededAsync;
            connection.QueueNameChangedAfterRecoveryAsync += link.OnQueueNameChangedAsync;

            // Replies are not acknowledged: a lost reply is covered by the resend of the same request.
            await replyChannel.BasicConsumeAsync(declared.QueueName, autoAck: true, consumer, ct).ConfigureAwait(false);
            Log.Connected(logger, Endpoint(connection, nodes[0]), link.ClientName, options.QueuePrefix, declared.QueueName);
            return link;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Publishes the request and waits for its reply, publishing the same message again after each attempt's timeout.
    /// Returns the reply body; throws <see cref="StatehouseTimeoutException"/> when no attempt got a reply and
    /// <see cref="StatehouseUnavailableException"/> when the broker has no such queue.
    /// </summary>
    public async Task<byte[]> SendAsync(BrokerRequest request, CancellationToken ct)
    {
        ThrowIfDisposed();
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(request.CorrelationId, reply))
        {
            throw new InvalidOperationException(
                $"A {request.MessageType} with id '{request.CorrelationId}' is already waiting for its reply on this client.");
        }

        try
        {
            for (var attempt = 1; ; attempt++)
            {
                using var timeout = new CancellationTokenSource(request.AttemptTimeout, _time);
                using var attemptCt = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
                var publishError = await PublishAsync(request, attempt, reply.Task, attemptCt.Token, ct).ConfigureAwait(false);
                try
                {
                    return await reply.Task.WaitAsync(attemptCt.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }

                if (reply.Task.IsCompleted)
                {
                    // The reply raced the attempt's timeout.
                    return await reply.Task.ConfigureAwait(false);
                }

                if (attempt >= request.MaxAttempts)
                {
                    var what = request.TxnId is null ? request.MessageType : $"commit of txn {request.TxnId}";
                    throw new StatehouseTimeoutException(
                        $"No reply from the Statehouse worker to the {what} within {request.AttemptTimeout.TotalSeconds:0.###} s " +
                        $"× {attempt} attempt(s) on queue '{request.Queue}': is the worker running?",
                        request.TxnId, attempt, request.AttemptTimeout, publishError)
                    {
                        Deadline = request.Deadline,
                    };
                }

                Log.Resending(_logger, request.MessageType, request.CorrelationId, request.AttemptTimeout.TotalSeconds, attempt, request.MaxAttempts);
            }
        }
        finally
        {
            _pending.TryRemove(KeyValuePair.Create(request.CorrelationId, reply));
        }
    }

    /// <summary>
    /// A new channel on the link's connection, recovered with it (with what was declared and consumed on it), for a
    /// subscription of the caller's (<see cref="CommitAnnouncements"/>); the caller closes and disposes it.
    /// </summary>
    public Task<IChannel> CreateChannelAsync(CancellationToken ct)
    {
        ThrowIfDisposed();
        return _connection.CreateChannelAsync(cancellationToken: ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new ObjectDisposedException(nameof(StatehouseClient), "The Statehouse client was disposed while waiting for a reply."));
        }

        try
        {
            await _connection.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQClientException or IOException)
        {
            // Already closed or broken: disposing below releases what is left.
        }

        await _publishChannel.DisposeAsync().ConfigureAwait(false);
        await _replyChannel.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _channelGate.Dispose();
    }

    /// <summary>
    /// Publishes one attempt. While the connection is down it waits for automatic recovery; after a failed publish it
    /// publishes again once the connection is back, or after a short pause when the connection is up (a nack, a closed
    /// channel). Returns null once the broker confirmed the message, else the last failure (the attempt ran out, or the
    /// reply arrived anyway: a message whose confirm was lost may still have reached the queue).
    /// </summary>
    private async Task<Exception?> PublishAsync(BrokerRequest request, int attempt, Task<byte[]> reply, CancellationToken attemptCt, CancellationToken ct)
    {
        Exception? error = null;
        while (true)
        {
            // A publish after dispose fails like one during a connection loss, but no recovery will follow.
            ThrowIfDisposed();
            var recovered = Volatile.Read(ref _recovered).Task;
            if (_connection.IsOpen)
            {
                error = await TryPublishAsync(request, attempt, attemptCt, ct).ConfigureAwait(false);
                if (error is null || attemptCt.IsCancellationRequested)
                {
                    return error;
                }
            }
            else
            {
                // Known to be down: wait for the recovery instead of failing a publish.
                error ??= new StatehouseUnavailableException("The broker connection is down; automatic recovery is reconnecting.", request.TxnId);
            }

            var retry = _connection.IsOpen ? Task.Delay(s_publishRetryPause, _time, attemptCt) : recovered;
            try
            {
                await Task.WhenAny(reply, retry).WaitAsync(attemptCt).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return error;
            }

            if (reply.IsCompleted)
            {
                return error;
            }
        }
    }

    /// <summary>Publishes once; returns null when the broker confirmed the message, else why it did not.</summary>
    private async Task<Exception?> TryPublishAsync(BrokerRequest request, int attempt, CancellationToken attemptCt, CancellationToken ct)
    {
        var properties = new BasicProperties
        {
            ContentType = WireFormat.ContentType,
            CorrelationId = request.CorrelationId,
            MessageId = request.CorrelationId,
            ReplyTo = _replyQueue,
            UserId = _userId,
            Headers = new Dictionary<string, object?> { [MessageHeaders.MessageType] = request.MessageType },
        };
        if (request.Persistent)
        {
            properties.Persistent = true;
        }
        else
        {
            // A read nobody served within the attempt is worthless: let the broker drop it instead of the worker.
            properties.Expiration = ((long)request.AttemptTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        }

        try
        {
            var channel = await GetPublishChannelAsync(attemptCt).ConfigureAwait(false);
            await channel.BasicPublishAsync(string.Empty, request.Queue, mandatory: true, properties, request.Body, attemptCt).ConfigureAwait(false);
            return null;
        }
        catch (PublishException e) when (e.IsReturn)
        {
            throw new StatehouseUnavailableException(
                $"The broker has no queue '{request.Queue}' to route the {request.MessageType} to: start the Statehouse worker " +
                "(it declares the queues) and check that QueuePrefix matches its Statehouse:Broker:QueuePrefix.", request.TxnId, e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            Log.PublishFailed(_logger, request.MessageType, request.CorrelationId, attempt, request.MaxAttempts, e.Message);
            return e;
        }
        catch (Exception e) when (e is RabbitMQClientException or IOException)
        {
            Log.PublishFailed(_logger, request.MessageType, request.CorrelationId, attempt, request.MaxAttempts, e.Message);
            return e;
        }
    }

    /// <summary>
    /// The publishing channel; a new one when the broker closed it with a channel error while the connection stayed
    /// up (automatic recovery only reopens channels after a connection failure).
    /// </summary>
    private async ValueTask<IChannel> GetPublishChannelAsync(CancellationToken ct)
    {
        var channel = _publishChannel;
        if (!channel.IsClosed || !_connection.IsOpen)
        {
            return channel;
        }

        await _channelGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            channel = _publishChannel;
            if (channel.IsClosed && _connection.IsOpen)
            {
                Log.PublishChannelReopened(_logger, channel.CloseReason?.ReplyText ?? "unknown reason");
                _publishChannel = await _connection.CreateChannelAsync(s_confirmedChannel, ct).ConfigureAwait(false);
                await channel.DisposeAsync().ConfigureAwait(false);
            }

            return _publishChannel;
        }
        finally
        {
            _channelGate.Release();
        }
    }

    private Task OnReplyAsync(object sender, BasicDeliverEventArgs delivery)
    {
        var correlationId = delivery.BasicProperties.CorrelationId;
        if (correlationId is not null && _pending.TryGetValue(correlationId, out var waiting))
        {
            // The body is only valid during this handler.
            waiting.TrySetResult(delivery.Body.ToArray());
        }
        else
        {
            Log.UnmatchedReply(_logger, correlationId);
        }

        return Task.CompletedTask;
    }

    private Task OnConnectionShutdownAsync(object sender, ShutdownEventArgs reason)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            Log.ConnectionLost(_logger, reason.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoverySucceededAsync(object sender, AsyncEventArgs args)
    {
        Log.ConnectionRecovered(_logger, _connection.Endpoint.ToString());
        Interlocked.Exchange(ref _recovered, NewSignal()).TrySetResult();
        return Task.CompletedTask;
    }

    private Task OnQueueNameChangedAsync(object sender, QueueNameChangedAfterRecoveryEventArgs args)
    {
        if (args.NameBefore == _replyQueue)
        {
            _replyQueue = args.NameAfter;
            Log.ReplyQueueRenamed(_logger, args.NameBefore, args.NameAfter);
        }

        return Task.CompletedTask;
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(nameof(StatehouseClient));
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The node the connection reached, without credentials: <c>amqp://host:port/vhost</c>.</summary>
    private static string Endpoint(IConnection connection, Uri template) => $"{connection.Endpoint}{template.AbsolutePath}";
}
