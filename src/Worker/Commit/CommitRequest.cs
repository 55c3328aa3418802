namespace Statehouse.Worker.Commit;

/// <summary>
/// One delivery's body (owned copy), AMQP message_id and user_id (checked by the broker against the connection's
/// user), whether the broker delivered it before (it was not acked), and whether an operator requeued it from the
/// dead-letter queue (header <c>x-statehouse-requeued-by</c>), as handed to the commit engine.
/// </summary>
internal readonly record struct CommitRequest(
    ReadOnlyMemory<byte> Body, string? MessageId, string? UserId = null, bool Redelivered = false, bool Requeued = false);
