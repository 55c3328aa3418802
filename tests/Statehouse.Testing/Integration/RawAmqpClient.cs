using System.Collections.Concurrent;
using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Contracts;

namespace Statehouse.Testing.Integration;

/// <summary>
/// Talks to the worker over plain AMQP, bypassing Statehouse.Client: publishes arbitrary bytes with chosen properties
/// (duplicates, garbage) and collects replies on its own exclusive reply queue, by correlation id.
/// </summary>
public sealed class RawAmqpClient : IAsyncDisposable
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(15);

    private readonly IChannel _channel;
    private readonly ConcurrentDictionary<string, Channel<ReceivedMessage>> _replies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Channel<ReceivedMessage>> _queues = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    private RawAmqpClient(IChannel channel, string replyQueue)
    {
        _channel = channel;
        ReplyQueue = replyQueue;
    }

    public string ReplyQueue { get; }

    public static async Task<RawAmqpClient> CreateAsync(IConnection connection)
    {
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var declared = await channel.QueueDeclareAsync(queue: "", durable: false, exclusive: true, autoDelete: true);
        var client = new RawAmqpClient(channel, declared.QueueName);

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var message = Copy(delivery);
            client.RepliesFor(message.CorrelationId ?? "").Writer.TryWrite(message);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(client.ReplyQueue, autoAck: true, consumer);
        return client;
    }

    /// <summary>
    /// Publishes a commit message the way the client does (persistent, confirmed, message_id = correlation_id =
    /// txn_id, reply_to = this client's queue) with any body. Pass <paramref name="replyTo"/> false to omit reply_to.
    /// </summary>
    public async Task PublishCommitAsync(
        TopologyNames names, ReadOnlyMemory<byte> body, string correlationId, bool replyTo = true, string? expirationMs = null)
    {
        var properties = new BasicProperties
        {
            Expiration = expirationMs,
            Persistent = true,
            MessageId = correlationId,
            CorrelationId = correlationId,
            ReplyTo = replyTo ? ReplyQueue : null,
            ContentType = WireFormat.ContentType,
            Headers = new Dictionary<string, object?> { [MessageHeaders.MessageType] = "commit" },
        };

        // Mandatory: a commit queue that does not exist must fail the test here, not as a reply timeout.
        await _channel.BasicPublishAsync(exchange: "", routingKey: names.CommitQueue, mandatory: true, basicProperties: properties, body: body);
    }

    public Task PublishCommitAsync(TopologyNames names, CommitEnvelope envelope) =>
        PublishCommitAsync(names, WireFormat.Serialize(envelope), envelope.TxnId);

    /// <summary>Sends a read request to the worker's read queue and returns its reply.</summary>
    public Task<ReadReply> ReadAsync(TopologyNames names, ReadRequest request, TimeSpan? timeout = null) =>
        ReadRawAsync(names, WireFormat.Serialize(request), timeout);

    /// <summary>Sends any bytes as a read request and decodes the reply.</summary>
    public async Task<ReadReply> ReadRawAsync(TopologyNames names, ReadOnlyMemory<byte> body, TimeSpan? timeout = null)
    {
        var correlationId = "read-" + Guid.NewGuid().ToString("N");
        var properties = new BasicProperties
        {
            CorrelationId = correlationId,
            ReplyTo = ReplyQueue,
            ContentType = WireFormat.ContentType,
            Headers = new Dictionary<string, object?> { [MessageHeaders.MessageType] = "read" },
        };
        await _channel.BasicPublishAsync(exchange: "", routingKey: names.ReadQueue, mandatory: true, basicProperties: properties, body: body);
        return WireFormat.Deserialize<ReadReply>((await NextReplyAsync(correlationId, timeout)).Body);
    }

    /// <summary>Declares an exclusive queue bound to <paramref name="exchange"/> (e.g. the commits fanout) and returns its name.</summary>
    public async Task<string> BindNewQueueAsync(string exchange)
    {
        var declared = await _channel.QueueDeclareAsync(queue: "", durable: false, exclusive: true, autoDelete: true);
        await _channel.QueueBindAsync(declared.QueueName, exchange, routingKey: "");
        return declared.QueueName;
    }

    public async Task<HealthReport> HealthAsync(TopologyNames names)
    {
        var reply = await ReadAsync(names, new ReadRequest(WireFormat.SchemaVersion, ReadKind.Health, "default"));
        return reply.Health ?? throw new InvalidOperationException($"Health reply without a report: {reply.ErrorCode} {reply.ErrorMessage}");
    }

    public async Task<StateRecord> GetAsync(TopologyNames names, string @namespace, string agentId, string key)
    {
        var reply = await ReadAsync(names, new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, @namespace, agentId, key));
        return reply.Record ?? throw new InvalidOperationException($"Get reply without a record: {reply.ErrorCode} {reply.ErrorMessage}");
    }

    /// <summary>The next reply carrying <paramref name="correlationId"/> (replies to duplicates arrive once each).</summary>
    public async Task<ReceivedMessage> NextReplyAsync(string correlationId, TimeSpan? timeout = null)
    {
        var limit = timeout ?? s_defaultTimeout;
        try
        {
            return await RepliesFor(correlationId).Reader.ReadAsync().AsTask().WaitAsync(limit);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"No reply with correlation id '{correlationId}' within {limit.TotalSeconds} s.", e);
        }
    }

    public async Task<CommitReply> NextCommitReplyAsync(string correlationId, TimeSpan? timeout = null) =>
        WireFormat.Deserialize<CommitReply>((await NextReplyAsync(correlationId, timeout)).Body);

    /// <summary>Returns true if a reply with <paramref name="correlationId"/> arrives within <paramref name="wait"/>.</summary>
    public async Task<bool> AnotherReplyArrivesAsync(string correlationId, TimeSpan wait)
    {
        try
        {
            await RepliesFor(correlationId).Reader.WaitToReadAsync().AsTask().WaitAsync(wait);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The next message in <paramref name="queue"/> (consumed with auto-ack from the first call on).</summary>
    public async Task<ReceivedMessage> NextMessageAsync(string queue, TimeSpan? timeout = null)
    {
        var limit = timeout ?? s_defaultTimeout;
        var messages = _queues.GetOrAdd(queue, _ => Channel.CreateUnbounded<ReceivedMessage>());
        if (!_consumed.Contains(queue))
        {
            var consumer = new AsyncEventingBasicConsumer(_channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                messages.Writer.TryWrite(Copy(delivery));
                return Task.CompletedTask;
            };
            await _channel.BasicConsumeAsync(queue, autoAck: true, consumer);
            _consumed.Add(queue);
        }

        try
        {
            return await messages.Reader.ReadAsync().AsTask().WaitAsync(limit);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"No message in '{queue}' within {limit.TotalSeconds} s.", e);
        }
    }

    /// <summary>Ready messages in <paramref name="queue"/> (not counting deliveries a consumer holds unacked).</summary>
    public async Task<uint> MessageCountAsync(string queue) => (await _channel.QueueDeclarePassiveAsync(queue)).MessageCount;

    public async ValueTask DisposeAsync()
    {
        if (_channel.IsOpen)
        {
            await _channel.CloseAsync();
        }

        _channel.Dispose();
    }

    private Channel<ReceivedMessage> RepliesFor(string correlationId) =>
        _replies.GetOrAdd(correlationId, _ => Channel.CreateUnbounded<ReceivedMessage>());

    private static ReceivedMessage Copy(BasicDeliverEventArgs delivery)
    {
        var headers = delivery.BasicProperties.Headers is { } h
            ? new Dictionary<string, object?>(h, StringComparer.Ordinal)
            : new Dictionary<string, object?>(StringComparer.Ordinal);
        return new ReceivedMessage(delivery.Body.ToArray(), delivery.BasicProperties.CorrelationId, delivery.BasicProperties.MessageId, headers);
    }
}
