using Statehouse.Contracts;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Commit;

/// <summary>
/// Turns a fork transaction (<see cref="OperationKind.Fork"/>) into the writes and deletes it makes, once the engine has
/// read both agents as its group sees them: the target's live keys now, the source's as of the fork's commit_ts. The
/// target's live keys must be exactly the keys the transaction expects (none for a plain fork: an empty target); they
/// are deleted, then every live key of the source is written with its value's exact bytes, then the provenance note
/// (<see cref="ForkNote"/>). A fork beyond the transaction limits is refused whole, never cut short. Pure.
/// </summary>
internal static class ForkPlanner
{
    /// <summary>Keys named in a refusal, at most.</summary>
    private const int NamedKeys = 5;

    /// <summary>
    /// The operations the fork stands for (writes and deletes, for <c>CommitEngine</c>'s ordinary commit), or why it
    /// cannot commit: CONFLICT (the target's live keys are not the expected ones), INVALID_REQUEST (more records than
    /// <see cref="LimitOptions.MaxOperations"/>), PAYLOAD_TOO_LARGE (values beyond <see cref="LimitOptions.MaxMessageBytes"/>).
    /// </summary>
    /// <param name="target">The target's live records, or null when it has more than <see cref="LimitOptions.MaxOperations"/>.</param>
    /// <param name="source">The source's live records as of the fork's commit_ts, or null when more than <see cref="LimitOptions.MaxOperations"/>.</param>
    public static (IReadOnlyList<Operation>? Operations, ValidationFailure? Failure) Plan(
        CommitEnvelope envelope, Operation fork, IReadOnlyList<(string Key, StoredRecord Record)>? target,
        IReadOnlyList<(string Key, StoredRecord Record)>? source, LimitOptions limits)
    {
        var targetAgent = fork.AgentId;
        var sourceAgent = fork.Key;
        var limit = $"at most {limits.MaxOperations} records per transaction (Statehouse:Limits:MaxOperations)";
        if (target is null)
        {
            return Refused(ErrorCode.Conflict,
                $"the fork's target agent '{targetAgent}' in namespace '{envelope.Namespace}' has more than {limits.MaxOperations} live keys; "
                + $"a fork replaces them in one transaction, {limit}");
        }

        if (CheckTarget(envelope, fork, target) is { } conflict)
        {
            return (null, conflict);
        }

        if (source is null)
        {
            return Refused(ErrorCode.InvalidRequest,
                $"the fork's source agent '{sourceAgent}' had more than {limits.MaxOperations} live keys as of commit_ts {fork.ExpectedVersion}; "
                + $"a fork copies them in one transaction, {limit}");
        }

        var copied = source.Where(r => r.Key != ForkNote.ReservedKey).ToList();
        var records = new HashSet<string>(target.Select(r => r.Key), StringComparer.Ordinal);
        records.UnionWith(copied.Select(r => r.Key));
        records.Add(ForkNote.ReservedKey);
        if (records.Count > limits.MaxOperations)
        {
            return Refused(ErrorCode.InvalidRequest,
                $"the fork of '{sourceAgent}' as of commit_ts {fork.ExpectedVersion} into '{targetAgent}' writes or deletes {records.Count} records; {limit}");
        }

        var bytes = copied.Sum(r => (long)(r.Record.Value?.Length ?? 0));
        if (bytes > limits.MaxMessageBytes)
        {
            return Refused(ErrorCode.PayloadTooLarge,
                $"the fork of '{sourceAgent}' as of commit_ts {fork.ExpectedVersion} copies {bytes} bytes of values; at most {limits.MaxMessageBytes} "
                + "fit in one transaction (Statehouse:Limits:MaxMessageBytes)");
        }

        var operations = new List<Operation>(target.Count + copied.Count + 1);
        operations.AddRange(target.Select(r => Operation.Delete(targetAgent, r.Key)));
        operations.AddRange(copied.Select(r => Operation.Write(targetAgent, r.Key, r.Record.Value!)));
        var note = new ForkNote(sourceAgent, envelope.Namespace, fork.ExpectedVersion, envelope.TxnId);
        operations.Add(Operation.Write(targetAgent, ForkNote.ReservedKey, WireFormat.Serialize(note)));
        return (operations, null);
    }

    /// <summary>CONFLICT unless the target's live keys are exactly the expected ones (their versions were checked already).</summary>
    private static ValidationFailure? CheckTarget(CommitEnvelope envelope, Operation fork, IReadOnlyList<(string Key, StoredRecord Record)> target)
    {
        var expected = envelope.Operations
            .Where(o => o.Kind == OperationKind.ExpectVersion)
            .Select(o => o.Key)
            .ToHashSet(StringComparer.Ordinal);
        var where = $"the fork's target agent '{fork.AgentId}' in namespace '{envelope.Namespace}'";
        if (expected.Count == 0)
        {
            return target.Count == 0
                ? null
                : new ValidationFailure(ErrorCode.Conflict,
                    $"{where} has {target.Count} live keys ({Named(target.Select(r => r.Key))}); fork into an agent without live keys, "
                    + "or replace its state (with the expected versions of all its live keys)");
        }

        var unexpected = target.Select(r => r.Key).Where(k => !expected.Contains(k)).ToList();
        var live = target.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        var gone = expected.Where(k => !live.Contains(k)).ToList();
        if (unexpected.Count == 0 && gone.Count == 0)
        {
            return null;
        }

        return new ValidationFailure(ErrorCode.Conflict,
            $"{where} has {target.Count} live keys, not the {expected.Count} expected: {unexpected.Count} live but not expected ({Named(unexpected)}), "
            + $"{gone.Count} expected but not live ({Named(gone)})");
    }

    private static string Named(IEnumerable<string> keys)
    {
        var list = keys.Take(NamedKeys + 1).Select(k => $"'{k}'").ToList();
        if (list.Count == 0)
        {
            return "none";
        }

        return list.Count > NamedKeys ? string.Join(", ", list.Take(NamedKeys)) + ", …" : string.Join(", ", list);
    }

    private static (IReadOnlyList<Operation>?, ValidationFailure?) Refused(ErrorCode code, string message) => (null, new ValidationFailure(code, message));
}
