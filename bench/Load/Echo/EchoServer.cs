using System.Threading.Channels;
using RabbitMQ.Client;
using Statehouse.Contracts;
using Statehouse.Worker.Messaging;

namespace Statehouse.Bench.Echo;

/// <summary>
/// The broker's ceiling: consumes commit envelopes exactly like the worker (same queue kind and arguments, same
/// prefetch, one channel that consumes, replies and acks, groups of whatever is ready) and answers each with a
/// committed <see cref="CommitReply"/>, but stores nothing. It decodes the envelope as the worker does, replies with
/// the same reply shape, acks each group with multiple = true, and announces on the commits exchange, so that the
/// broker and the client see the same traffic as with the worker; only the synced write is missing.
/// </summary>
internal sealed class EchoServer
{
    public const string ReadyMarker = "Statehouse echo server ready";

    private static readonly Dictionary<string, object?> s_replyHeaders = new() { [MessageHeaders.MessageType] = "commit-reply" };

    private readonly EchoServerSettings _settings;
    private readonly TopologyNames _names;
    private readonly Channel<Delivery> _deliveries;
    private readonly List<Delivery> _group;
    private long _commitTs;

    public EchoServer(EchoServerSettings settings)
    {
        _settings = settings;
        _names = new TopologyNames(settings.Prefix);
        _group = new(settings.MaxBatchCount);
        _deliveries = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(settings.Prefetch)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public async Task RunAsync(TextWriter output, CancellationToken stopping)
    {
        var factory = new ConnectionFactory { Uri = _settings.Uri, ClientProvidedName = $"statehouse-bench-echo:{Environment.ProcessId}" };
        await using var connection = await factory.CreateConnectionAsync(stopping);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stopping);
        await Topology.DeclareAsync(channel, _names, CommitTopology.DefaultDeliveryLimit, stopping);
        await channel.BasicQosAsync(0, (ushort)_settings.Prefetch, global: false, stopping);

        var consumer = new EchoConsumer(channel, _deliveries.Writer);
        var tag = await channel.BasicConsumeAsync(_names.CommitQueue, autoAck: false, consumer, stopping);
        await output.WriteLineAsync($"{ReadyMarker}: consuming {_names.CommitQueue}, prefetch {_settings.Prefetch}, groups of at most {_settings.MaxBatchCount}");
        await output.FlushAsync(stopping);

        long groups = 0, messages = 0;
        var reader = _deliveries.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stopping))
            {
                while (_group.Count < _settings.MaxBatchCount && reader.TryRead(out var delivery))
                {
                    _group.Add(delivery);
                }

                await AnswerGroupAsync(channel, stopping);
                groups++;
                messages += _group.Count;
                _group.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        await channel.BasicCancelAsync(tag, noWait: false, CancellationToken.None);
        await output.WriteLineAsync($"Statehouse echo server stopped: {messages} messages in {groups} groups");
    }

    private async Task AnswerGroupAsync(IChannel channel, CancellationToken ct)
    {
        var replies = new byte[_group.Count][];
        for (var i = 0; i < _group.Count; i++)
        {
            var envelope = WireFormat.Deserialize<CommitEnvelope>(_group[i].Body);
            var versions = new List<RecordVersion>(envelope.Operations.Count);
            foreach (var operation in envelope.Operations)
            {
                if (operation.Kind != OperationKind.ExpectVersion)
                {
                    versions.Add(new RecordVersion(operation.AgentId, operation.Key, 1));
                }
            }

            replies[i] = WireFormat.Serialize(CommitReply.Committed(envelope.TxnId, ++_commitTs, versions));
        }

        for (var i = 0; i < _group.Count; i++)
        {
            if (_group[i].ReplyTo is { Length: > 0 } replyTo)
            {
                await channel.BasicPublishAsync(string.Empty, replyTo, mandatory: false, ReplyProperties(_group[i].CorrelationId), replies[i], ct);
            }
        }

        await channel.BasicAckAsync(_group[^1].DeliveryTag, multiple: true, ct);

        if (_settings.Announce)
        {
            for (var i = 0; i < _group.Count; i++)
            {
                await channel.BasicPublishAsync(_names.CommitsExchange, string.Empty, mandatory: false, ReplyProperties(_group[i].MessageId), replies[i], ct);
            }
        }
    }

    private static BasicProperties ReplyProperties(string? correlationId) => new()
    {
        ContentType = WireFormat.ContentType,
        CorrelationId = correlationId,
        Headers = s_replyHeaders,
    };

    private sealed record Delivery(ulong DeliveryTag, byte[] Body, string? ReplyTo, string? CorrelationId, string? MessageId);

    private sealed class EchoConsumer(IChannel channel, ChannelWriter<Delivery> deliveries) : AsyncDefaultBasicConsumer(channel)
    {
        public override async Task HandleBasicDeliverAsync(
            string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey,
            IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        {
            // Copied like the worker does: the body buffer is reused once this returns.
            var delivery = new Delivery(deliveryTag, body.ToArray(), properties.ReplyTo,
                properties.CorrelationId ?? properties.MessageId, properties.MessageId);
            await deliveries.WriteAsync(delivery, cancellationToken);
        }
    }
}
