namespace Statehouse.Client.Messaging;

/// <summary>
/// One request/reply exchange: <see cref="Body"/> is published to <see cref="Queue"/> up to <see cref="MaxAttempts"/>
/// times (the same bytes and correlation id each time), each attempt waiting <see cref="AttemptTimeout"/> for the reply.
/// <see cref="Deadline"/> is a commit's deadline (after it the worker refuses the transaction), reported on a timeout.
/// </summary>
internal sealed record BrokerRequest(
    string Queue,
    string MessageType,
    string CorrelationId,
    ReadOnlyMemory<byte> Body,
    TimeSpan AttemptTimeout,
    int MaxAttempts,
    bool Persistent,
    string? TxnId,
    DateTimeOffset? Deadline = null);
