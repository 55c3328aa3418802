using System.Collections.Concurrent;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Contracts;

namespace Statehouse.Integration.Tests.Infrastructure;

/// <summary>
/// Stands in for the worker on a test's queues, to see exactly what the client sends: declares plain commit and read
/// queues (deleted with the test's topology), records every read request, and answers commits with
/// <see cref="CommitTs"/> and reads with <see cref="AnswerRead"/>.
/// </summary>
internal sealed class ScriptedWorker : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly ConcurrentQueue<ReadRequest> _reads = new();

    private ScriptedWorker(IChannel channel) => _channel = channel;

    /// <summary>The commit_ts of every commit reply (each commit is answered as committed).</summary>
    public long CommitTs { get; set; } = 1;

    /// <summary>The reply to each read request; default: an existing record "k" at commit_ts 1.</summary>
    public Func<ReadRequest, ReadReply> AnswerRead { get; set; } =
        request => new ReadReply(ErrorCode.None, Record: new StateRecord(request.Key, true, [0xA1, 0x76], 1, 1));

    /// <summary>The read requests received so far, in order.</summary>
    public IReadOnlyList<ReadRequest> Reads => [.. _reads];

    public static async Task<ScriptedWorker> StartAsync(IConnection connection, TopologyNames names)
    {
        var channel = await connection.CreateChannelAsync();
        var worker = new ScriptedWorker(channel);
        await worker.ServeAsync(names.CommitQueue, body =>
        {
            var envelope = WireFormat.Deserialize<CommitEnvelope>(body);
            return WireFormat.Serialize(CommitReply.Committed(envelope.TxnId, worker.CommitTs, []));
        });
        await worker.ServeAsync(names.ReadQueue, body =>
        {
            var request = WireFormat.Deserialize<ReadRequest>(body);
            worker._reads.Enqueue(request);
            return WireFormat.Serialize(worker.AnswerRead(request));
        });
        return worker;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        _channel.Dispose();
    }

    private async Task ServeAsync(string queue, Func<ReadOnlyMemory<byte>, byte[]> answer)
    {
        await _channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var reply = answer(delivery.Body);
            var properties = new BasicProperties { CorrelationId = delivery.BasicProperties.CorrelationId };
            await _channel.BasicPublishAsync(string.Empty, delivery.BasicProperties.ReplyTo!, mandatory: false, properties, reply);
        };
        await _channel.BasicConsumeAsync(queue, autoAck: true, consumer);
    }
}
