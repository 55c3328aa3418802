namespace Statehouse.Contracts;

/// <summary>Names of AMQP headers the worker and the CLI set.</summary>
public static class MessageHeaders
{
    /// <summary>On a dead-lettered message: why it can never be applied.</summary>
    public const string Error = "x-statehouse-error";

    /// <summary>On a dead-lettered message: the error code name (INVALID_REQUEST, ...).</summary>
    public const string ErrorCode = "x-statehouse-error-code";

    /// <summary>On a message: which contract it carries ("commit", "read", "commit-reply", "read-reply").</summary>
    public const string MessageType = "x-statehouse-type";

    /// <summary>
    /// On a dead-lettered copy the worker made: the <c>user_id</c> of the original message (the copy is published under
    /// the worker's own user, so it cannot keep <c>user_id</c>).
    /// </summary>
    public const string DeadLetteredUserId = "x-statehouse-user-id";

    /// <summary>
    /// On a message an operator requeued from the dead-letter queue (<c>statehouse dead-letters requeue</c>): the broker
    /// user who requeued it (also its <c>user_id</c>). The worker validates such a message again when its txn_id was
    /// refused before, instead of answering it from the inbox.
    /// </summary>
    public const string RequeuedBy = "x-statehouse-requeued-by";

    /// <summary>On a requeued message: the <c>user_id</c> of the client that first sent it, when it had one.</summary>
    public const string OriginalUserId = "x-statehouse-original-user-id";
}
