using System.Threading.Channels;
using MessagePack;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Cli.Hosting;
using Statehouse.Contracts;

namespace Statehouse.Cli.Broker;

/// <summary>
/// Receives the worker's commit announcements (a <see cref="CommitReply"/> per committed transaction, on the fanout
/// exchange <c>&lt;prefix&gt;.commits</c>) through an exclusive, auto-delete, server-named queue bound while this
/// follower lives. Announcements are best effort: a follower that must not miss anything replays the log between
/// the ones it got (as <c>tail -f</c> does).
/// </summary>
internal sealed class CommitFollower : IAsyncDisposable
{
    private readonly IChannel _channel;
    private readonly Channel<CommitReply> _announcements = Channel.CreateUnbounded<CommitReply>(new UnboundedChannelOptions { SingleReader = true });

    private CommitFollower(IChannel channel)
    {
        _channel = channel;
    }

    /// <summary>Binds the queue and starts consuming: every commit announced from now on is in <see cref="ReadAllAsync"/>.</summary>
    public static async Task<CommitFollower> StartAsync(AmqpSession session, TopologyNames names, CancellationToken ct)
    {
        await session.RequireExchangeAsync(names.CommitsExchange, names.Prefix, ct).ConfigureAwait(false);
        var channel = await session.ChannelAsync(confirms: false, ct).ConfigureAwait(false);
        var follower = new CommitFollower(channel);
        try
        {
            var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true, cancellationToken: ct).ConfigureAwait(false);
            await channel.QueueBindAsync(queue.QueueName, names.CommitsExchange, routingKey: string.Empty, cancellationToken: ct).ConfigureAwait(false);
            channel.ChannelShutdownAsync += follower.OnShutdownAsync;
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += follower.OnReceivedAsync;
            await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, ct).ConfigureAwait(false);
            return follower;
        }
        catch
        {
            await follower.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The announcements in the order the worker published them (commit order); fails when the broker goes away.</summary>
    public IAsyncEnumerable<CommitReply> ReadAllAsync(CancellationToken ct) => _announcements.Reader.ReadAllAsync(ct);

    public async ValueTask DisposeAsync()
    {
        _announcements.Writer.TryComplete();
        _channel.ChannelShutdownAsync -= OnShutdownAsync;
        try
        {
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            // Already closed with its connection.
        }

        _channel.Dispose();
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        try
        {
            // Decoded inside the handler: the body is only valid until it returns.
            _announcements.Writer.TryWrite(WireFormat.Deserialize<CommitReply>(delivery.Body));
        }
        catch (MessagePackSerializationException)
        {
            // Not an announcement this version understands; the log replay covers whatever it was about.
        }

        return Task.CompletedTask;
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs reason)
    {
        _announcements.Writer.TryComplete(CliException.Unavailable($"Lost the broker while following commits: {reason.ReplyText}"));
        return Task.CompletedTask;
    }
}
