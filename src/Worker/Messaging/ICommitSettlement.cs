using Statehouse.Contracts;
using Statehouse.Worker.Replication;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// What the commit loop needs of the broker: the settlement side of one broker session. Replies and announcements go
/// out on the channel that consumes the commit queue, before the ack; deliveries are acked or requeued by delivery tag,
/// which means something only on the session that delivered them, so each session has its own settlement and
/// reference equality is session identity. Once <see cref="IsOpen"/> is false nothing it delivered may be settled.
/// Methods other than the dead-letter ones throw what the channel throws (a closed channel, a cancelled call); the loop
/// treats that as a lost session, whose unacked deliveries the broker redelivers.
/// </summary>
/// <remarks>
/// Seven members, each a thing the loop must do and cannot do without the broker (and two more for replication: put a
/// group in the log before it is stored, <see cref="PublishLogAsync"/>, and give a session up when that is in doubt,
/// <see cref="Abandon"/>): answer the sender
/// (<see cref="ReplyAsync"/>) and tell followers (<see cref="AnnounceAsync"/>) once a group is durable; keep a message
/// that can never be applied by storing a confirmed copy before its ack (<see cref="DeadLetterAsync"/>: unconfirmed, the
/// ack would lose it), and declare the dead-letter queue again when the copy was routed nowhere
/// (<see cref="DeclareDeadLetterAsync"/>); settle by delivery tag, up to and including a tag once its group is done
/// (<see cref="AckAsync"/>) or back to the queue after an unknown failure (<see cref="RequeueAsync"/>); and know when the
/// session is gone, so its tags are dropped rather than settled on a channel that never issued them (<see cref="IsOpen"/>).
/// The types here are the worker's own (<see cref="CommitDelivery"/> carries plain fields), so the loop can be driven by a
/// recording settlement in-process; <see cref="BrokerSettlement"/> is the RabbitMQ one.
/// </remarks>
internal interface ICommitSettlement
{
    /// <summary>False once any part of the session closed.</summary>
    bool IsOpen { get; }

    /// <summary>Publishes a commit reply (serialized <c>CommitReply</c>) to <paramref name="replyTo"/>, unconfirmed.</summary>
    ValueTask ReplyAsync(string replyTo, string? correlationId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken);

    /// <summary>Publishes a committed transaction's reply on the commits exchange for followers, unconfirmed.</summary>
    ValueTask AnnounceAsync(string txnId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes the dead-letter copy of <paramref name="delivery"/> (its body and its properties as delivered, plus the
    /// reason and error code) mandatory and with publisher confirms; <paramref name="delivery"/> must be one this session
    /// delivered. Returns null once a queue has confirmed it, else why not (routed to no queue, refused with basic.nack,
    /// or the channel failed); never throws.
    /// </summary>
    Task<string?> DeadLetterAsync(CommitDelivery delivery, string reason, ErrorCode code, CancellationToken cancellationToken);

    /// <summary>Declares the dead-letter exchange and queue again (one may have been deleted). Null when done, else why not.</summary>
    Task<string?> DeclareDeadLetterAsync(CancellationToken cancellationToken);

    /// <summary>basic.ack of <paramref name="deliveryTag"/>, and with <paramref name="multiple"/> of every unacked tag below it.</summary>
    ValueTask AckAsync(ulong deliveryTag, bool multiple, CancellationToken cancellationToken);

    /// <summary>basic.nack with requeue of <paramref name="deliveryTag"/>, and with <paramref name="multiple"/> of every unacked tag below it.</summary>
    ValueTask RequeueAsync(ulong deliveryTag, bool multiple, CancellationToken cancellationToken);

    /// <summary>
    /// Replication only: publishes <paramref name="record"/> to the log stream (persistent, mandatory, on the channel that
    /// consumes the commit queue) and returns once the broker confirmed it, i.e. a quorum of the stream's replicas has it.
    /// Throws when the broker refused it (basic.nack), routed it nowhere (basic.return: the stream is missing) or the
    /// channel failed; the record may then be in the log or not, so the caller writes nothing and abandons the session.
    /// </summary>
    Task PublishLogAsync(LogRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Gives the session up: <see cref="IsOpen"/> turns false at once, its owner closes it, and the broker redelivers
    /// everything it delivered and nobody acked. For a session whose next step could be wrong (a log publish in doubt).
    /// </summary>
    void Abandon(string reason);
}
