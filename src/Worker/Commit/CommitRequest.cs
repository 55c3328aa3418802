namespace Statehouse.Worker.Commit;

/// <summary>One delivery's body (owned copy) and AMQP message_id, as handed to the commit engine.</summary>
internal readonly record struct CommitRequest(ReadOnlyMemory<byte> Body, string? MessageId);
