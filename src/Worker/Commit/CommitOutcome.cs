using Statehouse.Contracts;

namespace Statehouse.Worker.Commit;

/// <summary>
/// What became of one request of a group: the reply to publish (already serialized), whether it was a duplicate
/// answered from the inbox, and, for a message that can never be applied, the reason to dead-letter it with.
/// </summary>
internal sealed record CommitOutcome(
    CommitReply Reply,
    ReadOnlyMemory<byte> ReplyBytes,
    bool Duplicate,
    string? DeadLetterReason)
{
    public bool DeadLetter => DeadLetterReason is not null;
}
