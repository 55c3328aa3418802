using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Statehouse.Cli.Hosting;
using Statehouse.Contracts;

namespace Statehouse.Cli.Broker;

/// <summary>
/// The dead-letter queue <c>&lt;prefix&gt;.commit.dead</c>, read with basic.get without acking: the messages taken
/// stay in the broker's hands and go back to their places (nack with requeue) unless requeued to the commit queue or
/// purged. Closing the channel also gives every unsettled message back, so a crash of the CLI loses nothing.
/// </summary>
internal sealed class DeadLetterQueue : IAsyncDisposable
{
    /// <summary>Headers the broker and the worker add on the way to the dead-letter queue; a requeued message drops them.</summary>
    private static readonly string[] s_addedHeaderPrefixes =
        [MessageHeaders.Error, "x-death", "x-first-death-", "x-last-death-", "x-delivery-count"];

    private readonly IChannel _channel;
    private readonly TopologyNames _names;
    private readonly List<DeadLetter> _held = [];
    private readonly HashSet<ulong> _settled = [];

    private readonly string _operator;

    private DeadLetterQueue(IChannel channel, TopologyNames names, uint count, string @operator)
    {
        _channel = channel;
        _names = names;
        _operator = @operator;
        CountAtOpen = count;
    }

    /// <summary>The broker user of this connection: requeued messages are sent under it (<c>user_id</c>).</summary>
    public string Operator => _operator;

    /// <summary>Messages ready in the queue when it was opened (taking stops there: later arrivals are not listed).</summary>
    public uint CountAtOpen { get; }

    public static async Task<DeadLetterQueue> OpenAsync(AmqpSession session, TopologyNames names, CancellationToken ct)
    {
        var count = await session.RequireQueueAsync(names.DeadLetterQueue, names.Prefix, ct).ConfigureAwait(false);
        var channel = await session.ChannelAsync(confirms: true, ct).ConfigureAwait(false);
        return new DeadLetterQueue(channel, names, count, session.UserName);
    }

    /// <summary>Takes messages from the head of the queue, without acking, until <paramref name="count"/> are held.</summary>
    public async Task<IReadOnlyList<DeadLetter>> TakeAsync(long count, CancellationToken ct)
    {
        var limit = Math.Min(count, CountAtOpen);
        while (_held.Count < limit)
        {
            var got = await _channel.BasicGetAsync(_names.DeadLetterQueue, autoAck: false, ct).ConfigureAwait(false);
            if (got is null)
            {
                break;
            }

            _held.Add(new DeadLetter(_held.Count + 1, got.DeliveryTag, WithoutPublishSequenceNumber(got.BasicProperties), got.Body.ToArray()));
        }

        return _held;
    }

    /// <summary>
    /// Publishes the message again to the commit queue, with its original properties (without the dead-lettering
    /// headers), waits for the broker's confirm, and only then acks it here: a failure in between leaves a copy in
    /// both queues, never in none (the worker applies a txn_id once). The copy is the operator's: its <c>user_id</c> is
    /// this connection's user (the broker refuses any other), the first sender's is kept in
    /// <c>x-statehouse-original-user-id</c>, and <c>x-statehouse-requeued-by</c> asks the worker to validate it again.
    /// Throws a <see cref="CliException"/> (exit code 3) when the broker refuses the publish; the message stays.
    /// </summary>
    public async Task RequeueAsync(DeadLetter letter, CancellationToken ct)
    {
        var headers = letter.Properties.Headers?
            .Where(h => h.Key != MessageHeaders.DeadLetteredUserId && !Array.Exists(s_addedHeaderPrefixes, p => h.Key.StartsWith(p, StringComparison.Ordinal)))
            .ToDictionary(h => h.Key, h => h.Value) ?? [];
        // Requeued more than once, a message keeps its first sender.
        if (!headers.ContainsKey(MessageHeaders.OriginalUserId)
            && (letter.Properties.UserId ?? letter.Header(MessageHeaders.DeadLetteredUserId)) is { Length: > 0 } sender)
        {
            headers[MessageHeaders.OriginalUserId] = sender;
        }

        headers[MessageHeaders.RequeuedBy] = _operator;
        var properties = new BasicProperties(letter.Properties) { Headers = headers, UserId = _operator };
        try
        {
            await _channel.BasicPublishAsync(string.Empty, _names.CommitQueue, mandatory: true, properties, letter.Body, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PublishException or OperationInterruptedException or AlreadyClosedException)
        {
            throw CliException.Unavailable(
                $"The broker refused to requeue dead letter #{letter.Index} (message_id '{letter.MessageId}') to {_names.CommitQueue} as user " +
                $"'{_operator}': {e.GetBaseException().Message}. It stays in {_names.DeadLetterQueue}.", e);
        }

        await _channel.BasicAckAsync(letter.DeliveryTag, multiple: false, ct).ConfigureAwait(false);
        _settled.Add(letter.DeliveryTag);
    }

    /// <summary>Removes the message from the dead-letter queue for good (ack).</summary>
    public async Task PurgeAsync(DeadLetter letter, CancellationToken ct)
    {
        await _channel.BasicAckAsync(letter.DeliveryTag, multiple: false, ct).ConfigureAwait(false);
        _settled.Add(letter.DeliveryTag);
    }

    /// <summary>
    /// RabbitMQ.Client stamps <c>x-dotnet-pub-seq-no</c> on every message published on a channel with confirm tracking,
    /// the worker's dead-letter copy included: its channel's sequence number, bookkeeping of no use to anyone else. It is
    /// neither shown nor carried on by a requeue.
    /// </summary>
    private static BasicProperties WithoutPublishSequenceNumber(IReadOnlyBasicProperties received)
    {
        var properties = new BasicProperties(received);
        if (received.Headers is { } headers && headers.ContainsKey(Constants.PublishSequenceNumberHeader))
        {
            properties.Headers = headers.Where(h => h.Key != Constants.PublishSequenceNumberHeader).ToDictionary(h => h.Key, h => h.Value);
        }

        return properties;
    }

    /// <summary>Gives every message still held back to the queue, in its place.</summary>
    public async Task ReleaseAsync(CancellationToken ct)
    {
        foreach (var letter in _held)
        {
            if (_settled.Add(letter.DeliveryTag))
            {
                await _channel.BasicNackAsync(letter.DeliveryTag, multiple: false, requeue: true, ct).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Unsettled messages return to the queue when the channel closes.
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            // Closed with its connection: the broker requeued them already.
        }

        _channel.Dispose();
    }
}
