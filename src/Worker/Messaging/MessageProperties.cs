using RabbitMQ.Client;
using Statehouse.Contracts;

namespace Statehouse.Worker.Messaging;

/// <summary>The AMQP properties of what the worker publishes.</summary>
internal static class MessageProperties
{
    public const string CommitReplyType = "commit-reply";
    public const string ReadReplyType = "read-reply";

    public const string LogRecordType = "log-record";

    // Shared and never mutated: on a channel without publisher confirmations the client library only reads headers while
    // serializing (with confirmation tracking it writes its sequence number into them, so those get headers of their own).
    private static readonly Dictionary<string, object?> s_commitReplyHeaders = new() { [MessageHeaders.MessageType] = CommitReplyType };
    private static readonly Dictionary<string, object?> s_readReplyHeaders = new() { [MessageHeaders.MessageType] = ReadReplyType };

    /// <summary>
    /// A reply to a commit (also the body of a commit announcement). <paramref name="confirmed"/>: published on a channel
    /// with publisher confirmation tracking (replication), which writes into the headers, so they are new per message;
    /// otherwise they are shared, with no allocation per reply.
    /// </summary>
    public static BasicProperties CommitReply(string? correlationId, bool confirmed) =>
        Reply(correlationId, confirmed ? new Dictionary<string, object?> { [MessageHeaders.MessageType] = CommitReplyType } : s_commitReplyHeaders);

    /// <summary>A record of the log stream: persistent, its kind, epoch and seq repeated in headers for readers that skip it.</summary>
    public static BasicProperties LogRecord(Replication.LogRecord record) => new()
    {
        ContentType = WireFormat.ContentType,
        DeliveryMode = DeliveryModes.Persistent,
        Headers = new Dictionary<string, object?>
        {
            [MessageHeaders.MessageType] = LogRecordType,
            [Replication.LogRecord.KindHeader] = record.Kind == Replication.LogRecordKind.Marker ? "marker" : "group",
            [Replication.LogRecord.EpochHeader] = record.Epoch,
            [Replication.LogRecord.SeqHeader] = record.Seq,
        },
    };

    public static BasicProperties ReadReply(string? correlationId) => Reply(correlationId, s_readReplyHeaders);

    /// <summary>The original message's properties plus the reason it can never be applied.</summary>
    public static BasicProperties DeadLetter(IReadOnlyBasicProperties original, string reason, ErrorCode code)
    {
        var headers = original.Headers is null
            ? new Dictionary<string, object?>()
            : new Dictionary<string, object?>(original.Headers);
        // The sender's client library stamps its publish sequence number (per channel, meaningless to anyone else).
        headers.Remove(Constants.PublishSequenceNumberHeader);
        headers[MessageHeaders.Error] = reason;
        headers[MessageHeaders.ErrorCode] = code.ToWireName();
        if (original.UserId is { Length: > 0 } userId)
        {
            headers[MessageHeaders.DeadLetteredUserId] = userId;
        }

        return new BasicProperties(original)
        {
            Headers = headers,
            // The copy is all that is left of the message once the original is acked: it must survive a broker restart.
            DeliveryMode = DeliveryModes.Persistent,
            // The broker checks user_id against the publishing connection's user: the worker republishes the copy
            // under its own user, so the sender's user_id must go (it is kept in a header for the record).
            UserId = null,
            // A per-message TTL was the sender's limit on waiting to be applied; kept, it would silently expire the copy
            // in the dead-letter queue (RabbitMQ's own dead-lettering removes it too).
            Expiration = null,
        };
    }

    private static BasicProperties Reply(string? correlationId, Dictionary<string, object?> headers) => new()
    {
        ContentType = WireFormat.ContentType,
        CorrelationId = correlationId,
        Headers = headers,
    };
}
