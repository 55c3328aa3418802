using MessagePack;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Client.Following;

namespace Statehouse.Client.Messaging;

/// <summary>
/// The worker's commit announcements (a <see cref="CommitReply"/> per committed transaction on the fanout exchange
/// <c>&lt;prefix&gt;.commits</c>) turned into <see cref="FollowWakeups"/>: an exclusive, auto-delete, server-named queue
/// bound to the exchange on a channel of the client's connection. Automatic recovery re-creates queue, binding and
/// consumer after a connection loss (and the recovery itself is a wake-up, since announcements were lost meanwhile);
/// a channel the broker closed while the connection stayed up, or a subscription that failed (no exchange yet: the
/// worker declares it), is made again by <see cref="EnsureSubscribedAsync"/>. Announcements are best effort and carry
/// no namespace: an agent filter wakes on any announcement naming the agent, a namespace filter on every one.
/// </summary>
internal sealed class CommitAnnouncements : IAsyncDisposable
{
    private readonly BrokerLink _link;
    private readonly string _exchange;
    private readonly string? _agentId;
    private readonly FollowWakeups _wakeups;
    private readonly ILogger _logger;
    private readonly TimeSpan _pollInterval;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Task _recoveries;
    private IChannel? _channel;

    private CommitAnnouncements(BrokerLink link, string exchange, string? agentId, FollowWakeups wakeups, ILogger logger, TimeSpan pollInterval)
    {
        _link = link;
        _exchange = exchange;
        _agentId = agentId;
        _wakeups = wakeups;
        _logger = logger;
        _pollInterval = pollInterval;
        _recoveries = WakeOnRecoveriesAsync(_disposed.Token);
    }

    /// <summary>
    /// Subscribes for commits that may touch <paramref name="agentId"/> (null: every commit). A failed subscription is
    /// logged, not thrown: the follower then polls until <see cref="EnsureSubscribedAsync"/> succeeds.
    /// </summary>
    public static async Task<CommitAnnouncements> StartAsync(
        BrokerLink link, string exchange, string? agentId, FollowWakeups wakeups, ILogger logger, TimeSpan pollInterval, CancellationToken ct)
    {
        var announcements = new CommitAnnouncements(link, exchange, agentId, wakeups, logger, pollInterval);
        try
        {
            await announcements.SubscribeAsync(first: true, ct).ConfigureAwait(false);
            return announcements;
        }
        catch
        {
            // Cancelled, or the client was disposed: nothing of it may outlive this call.
            await announcements.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Subscribes again when the channel is gone while the connection is up (recovery handles a lost connection).</summary>
    public async Task EnsureSubscribedAsync(CancellationToken ct)
    {
        if (_link.IsOpen && _channel is not { IsOpen: true })
        {
            await SubscribeAsync(first: false, ct).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        await _recoveries.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await CloseAsync().ConfigureAwait(false);
        _disposed.Dispose();
    }

    private async Task SubscribeAsync(bool first, CancellationToken ct)
    {
        await CloseAsync().ConfigureAwait(false);
        IChannel? channel = null;
        try
        {
            channel = await _link.CreateChannelAsync(ct).ConfigureAwait(false);
            var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true, cancellationToken: ct).ConfigureAwait(false);
            await channel.QueueBindAsync(queue.QueueName, _exchange, routingKey: string.Empty, cancellationToken: ct).ConfigureAwait(false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += OnReceivedAsync;
            await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, ct).ConfigureAwait(false);
            _channel = channel;
            if (!first)
            {
                Log.AnnouncementsResubscribed(_logger, _exchange, queue.QueueName);
                // Announcements went nowhere while unsubscribed.
                _wakeups.Wake();
            }
        }
        catch (Exception e) when (e is RabbitMQClientException or IOException)
        {
            Log.AnnouncementsUnsubscribed(_logger, _exchange, e.Message, _pollInterval.TotalSeconds);
            if (channel is not null)
            {
                await CloseAsync(channel).ConfigureAwait(false);
            }
        }
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        try
        {
            // Decoded inside the handler: the body is only valid until it returns.
            var announced = WireFormat.Deserialize<CommitReply>(delivery.Body);
            if (announced is { Status: CommitStatus.Committed })
            {
                // Also a commit of other agents: an agent follower then reads on from above it, not from below a history
                // horizon that other agents' pruned versions raised (a caught-up follower would get HISTORY_PRUNED).
                _wakeups.Announced(announced.CommitTs, touchesFilter: _agentId is null || announced.Versions.Any(v => v.AgentId == _agentId));
            }
        }
        catch (MessagePackSerializationException)
        {
            // Not an announcement this version understands: a wake-up all the same, the replay decides.
            _wakeups.Wake();
        }

        return Task.CompletedTask;
    }

    private async Task WakeOnRecoveriesAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await _link.NextRecovery.WaitAsync(ct).ConfigureAwait(false);
            _wakeups.Wake();
        }
    }

    private async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _channel, null) is { } channel)
        {
            await CloseAsync(channel).ConfigureAwait(false);
        }
    }

    private static async Task CloseAsync(IChannel channel)
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQClientException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Already closed with its connection: disposing releases what is left.
        }

        await channel.DisposeAsync().ConfigureAwait(false);
    }
}
