using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// One connection to the broker and its channels: the commit channel (consumes the commit queue, publishes replies,
/// announcements and, with replication, log records; acks), with replication the log channel (follows the log stream), a channel with publisher confirms for dead-letter copies, and the read channel.
/// When any of them closes, the whole session is lost and the worker builds a new one. Deliveries still queued
/// from a lost session are dropped, not acked: their tags mean nothing on another channel, and the broker
/// redelivers them.
/// </summary>
internal sealed class BrokerSession : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private readonly List<IChannel> _channels = [];
    private CommitConsumer? _commitConsumer;
    private ReadConsumer? _readConsumer;
    private IChannel? _probeChannel;

    private BrokerSession(IConnection connection, long generation, ILoggerFactory loggers)
    {
        _connection = connection;
        _loggers = loggers;
        _logger = loggers.CreateLogger<BrokerSession>();
        Generation = generation;
    }

    /// <summary>Counts sessions since the worker started, for logs.</summary>
    public long Generation { get; }

    public IChannel CommitChannel { get; private set; } = null!;

    public IChannel DeadLetterChannel { get; private set; } = null!;

    public IChannel ReadChannel { get; private set; } = null!;

    /// <summary>False once any part of the session closed: nothing it delivered may be acked any more.</summary>
    public bool IsOpen => !_lost.Task.IsCompleted;

    /// <summary>Cancelled when the session is lost or closed.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Completes with the reason when the session is lost or closed.</summary>
    public Task<string> Lost => _lost.Task;

    /// <summary>True when the commit channel has publisher confirmations (replication): every publish on it returns once confirmed.</summary>
    public bool CommitsConfirmed { get; private set; }

    /// <summary>
    /// Opens the session's channels on <paramref name="connection"/>. With <paramref name="confirmCommits"/> (replication on)
    /// the commit channel has publisher confirmations, enabled and tracked, so that a log record published on it is known
    /// to be in the stream; its replies are then confirmed too.
    /// </summary>
    public static async Task<BrokerSession> OpenAsync(
        IConnection connection, long generation, DeliveryBudget budget, ReadServiceOptions reads, ILoggerFactory loggers,
        CancellationToken cancellationToken, bool confirmCommits = false)
    {
        var session = new BrokerSession(connection, generation, loggers);
        connection.ConnectionShutdownAsync += session.OnShutdownAsync;
        try
        {
            // No rate limiter (the constructor's default): the commit loop bounds what it has in flight by its group size.
            session.CommitChannel = await session.CreateChannelAsync(
                confirmCommits ? new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true) : null,
                cancellationToken);
            session.CommitsConfirmed = confirmCommits;
            // A count, not bytes: RabbitMQ ignores prefetch_size. The count is lowered so that it bounds the bytes too.
            await session.CommitChannel.BasicQosAsync(0, (ushort)budget.Prefetch, global: false, cancellationToken);

            session.DeadLetterChannel = await session.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);

            var readConcurrency = (ushort)reads.Concurrency;
            session.ReadChannel = await session.CreateChannelAsync(
                new CreateChannelOptions(false, false, consumerDispatchConcurrency: readConcurrency), cancellationToken);
            // Enough unacked requests to keep every dispatcher busy, few enough that a slow worker leaves the rest queued.
            await session.ReadChannel.BasicQosAsync(0, (ushort)(readConcurrency * 2), global: false, cancellationToken);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Replication: the channel that follows the log stream (<see cref="FollowLogAsync"/>); its closing loses the session.</summary>
    public IChannel? LogChannel { get; private set; }

    /// <summary>
    /// Replication: consumes the log stream into <paramref name="follower"/> on a channel of this session, from the
    /// follower's start position (its resume offset, or the stream's first record for a store without a position), with
    /// a prefetch of <paramref name="prefetch"/> and manual acks (<see cref="AcknowledgeLogAsync"/>).
    /// </summary>
    public async Task FollowLogAsync(TopologyNames names, LogFollower follower, int prefetch, CancellationToken cancellationToken)
    {
        var channel = await CreateChannelAsync(null, cancellationToken);
        LogChannel = channel;
        // A stream consumer must have a prefetch and ack manually; its acks only return credit.
        await channel.BasicQosAsync(0, (ushort)prefetch, global: false, cancellationToken);
        var from = follower.StartPosition;
        var arguments = new Dictionary<string, object?>
        {
            [LogConsumer.OffsetHeader] = from == ReplicationPosition.None ? "first" : from.ResumeOffset,
        };
        await channel.BasicConsumeAsync(names.LogStream, autoAck: false, consumerTag: string.Empty, noLocal: false, exclusive: false,
            arguments, new LogConsumer(channel, this, follower.Deliveries), cancellationToken);
    }

    /// <summary>basic.ack of every log delivery up to <paramref name="deliveryTag"/> on the log channel.</summary>
    public ValueTask AcknowledgeLogAsync(ulong deliveryTag, CancellationToken cancellationToken) =>
        (LogChannel ?? throw new InvalidOperationException("The session follows no log.")).BasicAckAsync(deliveryTag, multiple: true, cancellationToken);

    /// <summary>
    /// Starts both consumers; from now on commit deliveries flow into <paramref name="commitDeliveries"/>, each settled
    /// through this session's <see cref="BrokerSettlement"/>.
    /// </summary>
    public async Task StartConsumingAsync(
        TopologyNames names, ChannelWriter<CommitDelivery> commitDeliveries, ReadService reads, WorkerCounters counters,
        CancellationToken cancellationToken)
    {
        _readConsumer = new ReadConsumer(ReadChannel, reads, counters, _loggers.CreateLogger<ReadConsumer>());
        await ReadChannel.BasicConsumeAsync(names.ReadQueue, autoAck: false, _readConsumer, cancellationToken);

        _commitConsumer = new CommitConsumer(CommitChannel, this, new BrokerSettlement(this, names), commitDeliveries);
        await CommitChannel.BasicConsumeAsync(names.CommitQueue, autoAck: false, _commitConsumer, cancellationToken);
    }

    /// <summary>
    /// Cancels both consumers and waits for the reads in flight. Deliveries already queued for the commit loop
    /// stay valid until the session is disposed.
    /// </summary>
    public async Task StopConsumingAsync(CancellationToken cancellationToken)
    {
        if (_commitConsumer is not null)
        {
            await CancelAsync(_commitConsumer, cancellationToken);
        }

        if (_readConsumer is not null)
        {
            await CancelAsync(_readConsumer, cancellationToken);
            await _readConsumer.DrainAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Declares the topology (<see cref="Topology"/>) on channels of its own, so that a refused declaration closes only
    /// those. A commit queue declared by an earlier version (without at-least-once dead-lettering; its arguments cannot
    /// change) is declared with its own arguments, and a warning names the policy that upgrades it.
    /// Throws what the broker refuses otherwise.
    /// </summary>
    /// <remarks>
    /// With <paramref name="replication"/> the log stream is declared too. One that exists with other retention arguments
    /// (they cannot change on a declared stream) is used as it is, and a warning names the policy that changes them.
    /// </remarks>
    public async Task DeclareTopologyAsync(
        TopologyNames names, int deliveryLimit, CancellationToken cancellationToken, ReplicationOptions? replication = null)
    {
        if (replication is not null)
        {
            ReadQueueArguments = await SideQueueArgumentsAsync(names.ReadQueue, cancellationToken);
            DeadLetterQueueArguments = await SideQueueArgumentsAsync(names.DeadLetterQueue, cancellationToken);
        }

        try
        {
            await DeclareOnOwnChannelAsync(names, Topology.CommitQueueArguments(names, deliveryLimit), cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            await DeclareOnOwnChannelAsync(names, Topology.EarlierCommitQueueArguments(names, deliveryLimit), cancellationToken);
            _logger.CommitQueueDeadLettersAtMostOnce(names.CommitQueue, ex.ShutdownReason.ReplyText, UpgradePolicyCommand(names));
        }

        if (replication is not null)
        {
            await DeclareLogStreamAsync(names, replication, cancellationToken);
        }
    }

    /// <summary>The read queue's declare arguments on this session: quorum with replication, unless it exists as a classic queue.</summary>
    public IDictionary<string, object?>? ReadQueueArguments { get; private set; }

    /// <summary>The dead-letter queue's declare arguments on this session (see <see cref="ReadQueueArguments"/>); used again to re-declare it.</summary>
    public IDictionary<string, object?>? DeadLetterQueueArguments { get; private set; }

    /// <summary>
    /// The arguments to declare <paramref name="queue"/> with in a replicated deployment: a quorum queue
    /// (<see cref="Topology.ReplicatedQueueArguments"/>), declared now on a channel of its own. When it exists as a classic
    /// queue (declared before replication was turned on; a queue's type cannot change), null (it is used as it is) and a
    /// warning says that it is lost with its node on a cluster and how to replace it.
    /// </summary>
    private async Task<IDictionary<string, object?>?> SideQueueArgumentsAsync(string queue, CancellationToken cancellationToken)
    {
        var arguments = Topology.ReplicatedQueueArguments();
        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments,
                cancellationToken: cancellationToken);
            return arguments;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            _logger.ClassicQueueInReplicatedDeployment(queue, ex.ShutdownReason.ReplyText);
            return null;
        }
        finally
        {
            await DisposeQuietlyAsync(channel);
        }
    }

    /// <summary>The rabbitmqctl command that gives an existing log stream the retention of <paramref name="replication"/>.</summary>
    public static string RetentionPolicyCommand(TopologyNames names, ReplicationOptions replication) =>
        $"rabbitmqctl set_policy --apply-to queues --priority 10 {names.LogStream}.retention " +
        $"'^{System.Text.RegularExpressions.Regex.Escape(names.LogStream)}$' " +
        $"'{{\"max-length-bytes\":{replication.RetentionMaxBytes},\"max-age\":\"{replication.RetentionMaxAge}\"}}'";

    private async Task DeclareLogStreamAsync(TopologyNames names, ReplicationOptions replication, CancellationToken cancellationToken)
    {
        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await Topology.DeclareLogStreamAsync(channel, names, replication, cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == Constants.PreconditionFailed)
        {
            // The refusal closed that channel: the stream exists, declared with other retention arguments.
            await DisposeQuietlyAsync(channel);
            channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await channel.QueueDeclarePassiveAsync(names.LogStream, cancellationToken);
            _logger.LogStreamRetentionDiffers(names.LogStream, ex.ShutdownReason.ReplyText, RetentionPolicyCommand(names, replication));
        }
        finally
        {
            await DisposeQuietlyAsync(channel);
        }
    }

    /// <summary>The rabbitmqctl command that makes an earlier commit queue's own dead-lettering at-least-once.</summary>
    public static string UpgradePolicyCommand(TopologyNames names) =>
        $"rabbitmqctl set_policy --apply-to queues --priority 10 {names.CommitQueue}.at-least-once " +
        $"'^{System.Text.RegularExpressions.Regex.Escape(names.CommitQueue)}$' " +
        "'{\"dead-letter-strategy\":\"at-least-once\",\"overflow\":\"reject-publish\"}'";

    private async Task DeclareOnOwnChannelAsync(
        TopologyNames names, Dictionary<string, object?> commitQueueArguments, CancellationToken cancellationToken)
    {
        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await Topology.DeclareAsync(channel, names, commitQueueArguments, cancellationToken, ReadQueueArguments, DeadLetterQueueArguments);
        }
        finally
        {
            await DisposeQuietlyAsync(channel);
        }
    }

    /// <summary>
    /// Messages ready in <paramref name="queue"/> (a passive declare), on a channel of its own that is not part of the
    /// session: a failed declare closes that channel only. For one caller at a time.
    /// </summary>
    public async Task<uint> CountReadyAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            _probeChannel ??= await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
            return await _probeChannel.MessageCountAsync(queue, cancellationToken);
        }
        catch
        {
            if (_probeChannel is { } broken)
            {
                _probeChannel = null;
                await DisposeQuietlyAsync(broken);
            }

            throw;
        }
    }

    /// <summary>
    /// A channel with publisher confirmations (enabled and tracked) that is not part of the session: its closing does
    /// not lose the session. For one-off work such as the deployment check; the caller disposes it.
    /// </summary>
    public async Task<IChannel> CreateSideChannelAsync(CancellationToken cancellationToken) =>
        await _connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);

    public void MarkLost(string reason)
    {
        if (_lost.TrySetResult(reason))
        {
            _closing.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        MarkLost("closed by the worker");
        for (var i = _channels.Count - 1; i >= 0; i--)
        {
            await DisposeQuietlyAsync(_channels[i]);
        }

        if (_probeChannel is { } probe)
        {
            await DisposeQuietlyAsync(probe);
        }

        // _closing stays undisposed: a consumer callback still running may read its token, and it owns no timer.
        await DisposeQuietlyAsync(_connection);
    }

    private async Task<IChannel> CreateChannelAsync(CreateChannelOptions? options, CancellationToken cancellationToken)
    {
        var channel = await _connection.CreateChannelAsync(options, cancellationToken);
        _channels.Add(channel);
        // Fires at once when the channel is already closed, so no closure can slip by.
        channel.ChannelShutdownAsync += OnShutdownAsync;
        return channel;
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs args)
    {
        var what = sender is IConnection ? "connection" : "channel";
        MarkLost($"{what} closed by {args.Initiator}: {args.ReplyCode} {args.ReplyText}");
        return Task.CompletedTask;
    }

    private async Task CancelAsync(AsyncDefaultBasicConsumer consumer, CancellationToken cancellationToken)
    {
        foreach (var tag in consumer.ConsumerTags)
        {
            try
            {
                await consumer.Channel.BasicCancelAsync(tag, noWait: false, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A closed channel has no consumers left to cancel.
                _logger.ConsumerCancelFailed(tag, ex.Message);
            }
        }
    }

    private static async ValueTask DisposeQuietlyAsync(IAsyncDisposable disposable)
    {
        try
        {
            await disposable.DisposeAsync();
        }
        catch (Exception)
        {
            // Closing something already broken: there is nothing left to save.
        }
    }
}
