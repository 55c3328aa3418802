using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Reads;

namespace Statehouse.Bench.Echo;

/// <summary>
/// The broker's ceiling: the worker's own consume, group, reply and ack code without the store. It connects with the
/// worker's <see cref="BrokerConnector"/>, opens a <see cref="BrokerSession"/> (prefetch <see cref="EchoServerSettings.Prefetch"/>),
/// declares the worker's topology, consumes through the worker's <see cref="CommitConsumer"/> into a queue as deep as
/// the prefetch, groups whatever is ready with the worker's <see cref="DeliveryGrouping"/> (count and byte limits), and
/// settles each group through <see cref="BrokerSettlement"/> in the worker's order: replies, one ack with multiple = true,
/// announcements. Each envelope is decoded and answered with a committed <see cref="CommitReply"/>; only the synced
/// RocksDB write is missing.
/// </summary>
internal sealed class EchoServer(EchoServerSettings settings)
{
    public const string ReadyMarker = "Statehouse echo server ready";

    private readonly List<CommitDelivery> _group = new(settings.MaxBatchCount);
    private long _commitTs;

    /// <summary>Serves until <paramref name="stopping"/> is cancelled; writes its ready line and a last count to <paramref name="output"/>.</summary>
    public async Task RunAsync(TextWriter output, CancellationToken stopping)
    {
        var names = new TopologyNames(settings.Prefix);
        var broker = new BrokerOptions { Uri = settings.Uri.ToString(), QueuePrefix = settings.Prefix };
        var commit = new CommitOptions { Prefetch = settings.Prefetch, MaxBatchCount = settings.MaxBatchCount };
        var connection = await new BrokerConnector(broker, new LimitOptions(), TimeProvider.System, NullLogger<BrokerConnector>.Instance)
            .ConnectAsync(stopping);
        // The prefetch as given, as before this used the worker's code. The worker lowers the same figure to fit its memory
        // budget (DeliveryBudget: 512 becomes 64 at the default 4 MiB message limit); the echo server does not.
        await using var session = await BrokerSession.OpenAsync(connection, 1, new DeliveryBudget(0, 0, commit.Prefetch), new ReadServiceOptions(),
            NullLoggerFactory.Instance, stopping);
        await session.DeclareTopologyAsync(names, broker.DeliveryLimit, stopping);
        var deliveries = Channel.CreateBounded<CommitDelivery>(new BoundedChannelOptions(commit.Prefetch) { SingleReader = true });
        var settlement = new BrokerSettlement(session, names);
        var consumer = new CommitConsumer(session.CommitChannel, session, settlement, deliveries.Writer);
        var tag = await session.CommitChannel.BasicConsumeAsync(names.CommitQueue, autoAck: false, consumer, stopping);
        await output.WriteLineAsync($"{ReadyMarker}: consuming {names.CommitQueue}, prefetch {commit.Prefetch}, groups of at most {commit.MaxBatchCount}");
        await output.FlushAsync(stopping);

        var grouping = new DeliveryGrouping(commit.MaxBatchCount, commit.MaxBatchBytes);
        long groups = 0, messages = 0;
        try
        {
            while (await deliveries.Reader.WaitToReadAsync(stopping))
            {
                grouping.Start();
                while (deliveries.Reader.TryPeek(out var next) && grouping.TryAdd(next.Body.Length))
                {
                    deliveries.Reader.TryRead(out _);
                    _group.Add(next);
                }

                await AnswerGroupAsync(settlement, stopping);
                groups++;
                messages += _group.Count;
                _group.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        await session.CommitChannel.BasicCancelAsync(tag, noWait: false, CancellationToken.None);
        await output.WriteLineAsync($"Statehouse echo server stopped: {messages} messages in {groups} groups");
    }

    private async Task AnswerGroupAsync(ICommitSettlement settlement, CancellationToken ct)
    {
        var replies = new (string TxnId, byte[] Body)[_group.Count];
        for (var i = 0; i < _group.Count; i++)
        {
            var envelope = WireFormat.Deserialize<CommitEnvelope>(_group[i].Body);
            var versions = envelope.Operations.Where(o => o.Kind != OperationKind.ExpectVersion).Select(o => new RecordVersion(o.AgentId, o.Key, 1)).ToList();
            replies[i] = (envelope.TxnId, WireFormat.Serialize(CommitReply.Committed(envelope.TxnId, ++_commitTs, versions)));
        }

        for (var i = 0; i < _group.Count; i++)
        {
            if (_group[i].ReplyTo is { Length: > 0 } replyTo)
            {
                await settlement.ReplyAsync(replyTo, _group[i].CorrelationId, replies[i].Body, ct);
            }
        }

        await settlement.AckAsync(_group[^1].DeliveryTag, multiple: true, ct);
        for (var i = 0; i < _group.Count; i++)
        {
            if (settings.Announce)
            {
                await settlement.AnnounceAsync(replies[i].TxnId, replies[i].Body, ct);
            }

            _group[i].Release();
        }
    }
}
