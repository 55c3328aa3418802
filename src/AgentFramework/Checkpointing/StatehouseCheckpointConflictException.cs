using Statehouse.Client.Exceptions;
using Statehouse.Contracts;

namespace Statehouse.AgentFramework.Checkpointing;

/// <summary>
/// Saving a checkpoint failed because another process (or another store instance) saved one to the same session since
/// this store last saw it: the session's <c>head</c> moved. Nothing was written (the checkpoint transaction carried an
/// expect-version check on the head). Code CONFLICT; <see cref="StatehouseException.TxnId"/> names the rejected transaction.
/// </summary>
public sealed class StatehouseCheckpointConflictException : StatehouseException
{
    public StatehouseCheckpointConflictException(
        string sessionId, string attemptedCheckpointId, string? parentCheckpointId, string? currentHeadCheckpointId, string? txnId, Exception? innerException = null)
        : base(
            ErrorCode.Conflict,
            $"CONFLICT: workflow session '{sessionId}' was checkpointed by another writer: checkpoint '{attemptedCheckpointId}' " +
            $"(after '{parentCheckpointId ?? "(none)"}') was not saved; the session's latest checkpoint is now '{currentHeadCheckpointId ?? "(unknown)"}'. " +
            "Resume from the latest checkpoint in one process only.",
            txnId,
            innerException)
    {
        SessionId = sessionId;
        AttemptedCheckpointId = attemptedCheckpointId;
        ParentCheckpointId = parentCheckpointId;
        CurrentHeadCheckpointId = currentHeadCheckpointId;
    }

    /// <summary>The workflow session (run id) whose head moved.</summary>
    public string SessionId { get; }

    /// <summary>The checkpoint this store tried to save (not stored).</summary>
    public string AttemptedCheckpointId { get; }

    /// <summary>The parent the framework gave for the attempted checkpoint; null if it had none.</summary>
    public string? ParentCheckpointId { get; }

    /// <summary>The session's latest checkpoint as read right after the conflict; null if it could not be read.</summary>
    public string? CurrentHeadCheckpointId { get; }
}
