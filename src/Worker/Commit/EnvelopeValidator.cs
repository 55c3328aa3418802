using System.Buffers;
using System.Text;
using MessagePack;
using Statehouse.Contracts;

namespace Statehouse.Worker.Commit;

/// <summary>
/// Checks a decoded envelope against the schema and the configured limits before it may join a batch.
/// Pure: no storage access (expect-version preconditions are checked by the engine against the store).
/// </summary>
/// <param name="inboxRetention">How long txn_ids are kept for duplicate detection: the furthest ahead a deadline may lie.</param>
internal sealed class EnvelopeValidator(LimitOptions limits, TimeSpan inboxRetention)
{
    /// <summary>How long txn_ids are kept for duplicate detection: the furthest ahead a deadline may lie.</summary>
    public TimeSpan InboxRetention => inboxRetention;

    /// <summary>Checks what is needed to record an answer for the txn_id at all. Null when the txn_id is usable.</summary>
    public ValidationFailure? CheckTxnId(string? txnId) => CheckName("txn_id", txnId, limits.MaxTxnIdBytes);

    /// <summary>Returns null when the envelope may be applied, else the first problem found.</summary>
    public ValidationFailure? Validate(CommitEnvelope envelope, DateTimeOffset now)
    {
        if (envelope.SchemaVersion != WireFormat.SchemaVersion)
        {
            return Invalid($"unknown schema version {envelope.SchemaVersion} (this worker reads {WireFormat.SchemaVersion})");
        }

        if (CheckTxnId(envelope.TxnId) is { } txnFailure)
        {
            return txnFailure;
        }

        if (CheckName("namespace", envelope.Namespace, limits.MaxNamespaceBytes) is { } nsFailure)
        {
            return nsFailure;
        }

        if (CheckDeadline(envelope.DeadlineUnixMs, now) is { } deadlineFailure)
        {
            return deadlineFailure;
        }

        var operations = envelope.Operations;
        if (operations is null || operations.Count == 0)
        {
            return Invalid("the transaction has no operations");
        }

        // A fork transaction holds, beside its fork operation, one expected version per record of a replaced target; the
        // records it writes or deletes are counted against the limit when the engine decides it (ForkPlanner).
        if (operations.Count > limits.MaxOperations)
        {
            var allowed = limits.MaxOperations + (FindFork(operations) is null ? 0 : 1);
            if (operations.Count > allowed)
            {
                return Invalid($"the transaction has {operations.Count} operations; at most {allowed} are allowed");
            }
        }

        var expectations = new Dictionary<(string Agent, string Key), long>();
        var changes = 0;
        var forks = 0;
        for (var i = 0; i < operations.Count; i++)
        {
            if (ValidateOperation(operations[i], i, expectations) is { } failure)
            {
                return failure;
            }

            if (operations[i].Kind is OperationKind.Write or OperationKind.Delete or OperationKind.Fork)
            {
                changes++;
            }

            if (operations[i].Kind == OperationKind.Fork)
            {
                forks++;
            }
        }

        if (changes == 0)
        {
            return Invalid("the transaction writes or deletes nothing (expect-version operations alone commit nothing)");
        }

        return forks == 0 ? null : ValidateFork(operations, forks);
    }

    /// <summary>The transaction's fork operation (the first, in a valid one the only one); null in all other transactions.</summary>
    public static Operation? FindFork(IReadOnlyList<Operation?> operations)
    {
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i]?.Kind == OperationKind.Fork)
            {
                return operations[i];
            }
        }

        return null;
    }

    /// <summary>
    /// A fork is decided whole by the engine: its transaction holds one fork operation and, beside it, only the
    /// expected versions of the target's live keys (a replace), each positive.
    /// </summary>
    private static ValidationFailure? ValidateFork(IReadOnlyList<Operation> operations, int forks)
    {
        if (forks > 1)
        {
            return Invalid($"the transaction has {forks} fork operations; a fork transaction holds exactly one");
        }

        var fork = FindFork(operations)!;
        for (var i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            if (operation.Kind == OperationKind.Fork)
            {
                continue;
            }

            if (operation.Kind != OperationKind.ExpectVersion || operation.AgentId != fork.AgentId || operation.ExpectedVersion == 0)
            {
                return Invalid($"operation {i} is a {operation.Kind} on '{operation.AgentId}'/'{operation.Key}'; beside its fork operation a fork "
                    + $"transaction holds only the expected versions (positive) of the live keys of its target '{fork.AgentId}'");
            }
        }

        return null;
    }

    /// <summary>
    /// Exactly-once rests on the inbox entry outliving every possible resend. The entry is kept until the deadline has
    /// passed, and a resend after it is refused as expired; a deadline that is missing or further ahead than the
    /// retention would keep a resend valid past what the inbox promises, so it is refused (INVALID_REQUEST: the
    /// envelope can never be applied as sent, unlike an expired one, which was valid and came too late).
    /// </summary>
    private ValidationFailure? CheckDeadline(long deadlineUnixMs, DateTimeOffset now)
    {
        var setting = $"Statehouse:Commit:InboxRetention, how long this worker keeps txn_ids for duplicate detection, is {inboxRetention}";
        if (deadlineUnixMs <= 0)
        {
            return Invalid($"the transaction has no deadline (deadline_unix_ms {deadlineUnixMs}); it needs one at most {inboxRetention} ahead ({setting})");
        }

        if (deadlineUnixMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return Invalid($"the transaction's deadline (deadline_unix_ms {deadlineUnixMs}) is beyond the year 9999; it must be at most {inboxRetention} ahead ({setting})");
        }

        var deadline = DateTimeOffset.FromUnixTimeMilliseconds(deadlineUnixMs);
        if (now.ToUnixTimeMilliseconds() > deadlineUnixMs)
        {
            return new ValidationFailure(ErrorCode.TxnExpired, $"the transaction's deadline {deadline:O} passed before it was applied");
        }

        return deadline - now > inboxRetention
            ? Invalid($"the transaction's deadline {deadline:O} is {deadline - now} ahead; at most {inboxRetention} is allowed ({setting})")
            : null;
    }

    private ValidationFailure? ValidateOperation(Operation? operation, int index, Dictionary<(string Agent, string Key), long> expectations)
    {
        if (operation is null)
        {
            return Invalid($"operation {index} is missing");
        }

        if (CheckName($"operation {index} agent_id", operation.AgentId, limits.MaxAgentIdBytes) is { } agentFailure)
        {
            return agentFailure;
        }

        if (operation.Kind == OperationKind.Fork)
        {
            return ValidateForkOperation(operation, index);
        }

        if (CheckName($"operation {index} key", operation.Key, limits.MaxKeyBytes) is { } keyFailure)
        {
            return keyFailure;
        }

        switch (operation.Kind)
        {
            case OperationKind.Write:
                return ValidateValue(operation.Value, index);
            case OperationKind.Delete:
                return null;
            case OperationKind.ExpectVersion:
                if (operation.ExpectedVersion < 0)
                {
                    return Invalid($"operation {index} expects version {operation.ExpectedVersion}; versions are 0 (must not exist) or positive");
                }

                var record = (operation.AgentId, operation.Key);
                if (expectations.TryGetValue(record, out var earlier) && earlier != operation.ExpectedVersion)
                {
                    return Invalid($"operation {index} expects version {operation.ExpectedVersion} of '{operation.AgentId}'/'{operation.Key}' but an earlier one expects {earlier}: both cannot hold");
                }

                expectations[record] = operation.ExpectedVersion;
                return null;
            default:
                return Invalid($"operation {index} has unknown kind {(int)operation.Kind}");
        }
    }

    /// <summary>A fork operation carries the source agent in its key and the commit_ts in its expected version.</summary>
    private ValidationFailure? ValidateForkOperation(Operation operation, int index)
    {
        if (CheckName($"operation {index} (fork) source agent_id", operation.Key, limits.MaxAgentIdBytes) is { } sourceFailure)
        {
            return sourceFailure;
        }

        if (operation.Key == operation.AgentId)
        {
            return Invalid($"operation {index} forks agent '{operation.AgentId}' into itself; the source and the target must differ");
        }

        if (operation.ExpectedVersion <= 0)
        {
            return Invalid($"operation {index} forks at commit_ts {operation.ExpectedVersion}; a fork needs a commit_ts of 1 or more");
        }

        return operation.Value is null ? null : Invalid($"operation {index} is a fork and carries a value; a fork's values come from its source");
    }

    private ValidationFailure? ValidateValue(byte[]? value, int index)
    {
        if (value is null || value.Length == 0)
        {
            return Invalid($"operation {index} writes no value (a write needs MessagePack value bytes; use delete to remove a key)");
        }

        if (value.Length > limits.MaxValueBytes)
        {
            return new ValidationFailure(ErrorCode.PayloadTooLarge,
                $"operation {index} value is {value.Length} bytes; at most {limits.MaxValueBytes} are allowed");
        }

        return IsSingleMessagePackValue(value) ? null : Invalid($"operation {index} value is not exactly one well-formed MessagePack value");
    }

    /// <summary>
    /// Walks the value's structure without materializing it. Iterative (a count of items still to read), so deeply
    /// nested hostile input cannot overflow the stack.
    /// </summary>
    internal static bool IsSingleMessagePackValue(byte[] value)
    {
        var reader = new MessagePackReader(new ReadOnlySequence<byte>(value));
        try
        {
            long pending = 1;
            while (pending > 0)
            {
                pending--;
                switch (reader.NextMessagePackType)
                {
                    case MessagePackType.Array:
                        pending += reader.ReadArrayHeader();
                        break;
                    case MessagePackType.Map:
                        pending += 2L * reader.ReadMapHeader();
                        break;
                    case MessagePackType.Unknown:
                        return false;
                    default:
                        reader.Skip();
                        break;
                }
            }

            return reader.End;
        }
        // ArgumentOutOfRangeException: MessagePackReader's skip of a str/bin/ext whose 32-bit length is 2^31 or more.
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static ValidationFailure? CheckName(string what, string? value, int maxBytes)
    {
        if (string.IsNullOrEmpty(value))
        {
            return Invalid($"{what} is missing or empty");
        }

        // MessagePack decodes invalid UTF-8 to U+FFFD, so distinct byte strings would become one name: refuse them.
        if (value.Contains('\uFFFD', StringComparison.Ordinal))
        {
            return Invalid($"{what} is not valid UTF-8 (or holds U+FFFD, the replacement character)");
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        return bytes > maxBytes ? Invalid($"{what} is {bytes} bytes of UTF-8; at most {maxBytes} are allowed") : null;
    }

    private static ValidationFailure Invalid(string message) => new(ErrorCode.InvalidRequest, message);
}
