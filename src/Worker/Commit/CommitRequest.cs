namespace Statehouse.Worker.Commit;

/// <summary>
/// One delivery's body (owned copy), AMQP message_id and user_id (checked by the broker against the connection's
/// user), as handed to the commit engine.
/// </summary>
internal readonly record struct CommitRequest(ReadOnlyMemory<byte> Body, string? MessageId, string? UserId = null);
