using MessagePack;
using Statehouse.Contracts;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Commit;

/// <summary>
/// Applies groups of commit envelopes as ONE synced write (one <see cref="StoreBatch"/>), in two steps that replication
/// separates (docs/replication.md): <see cref="Decide"/> (outcomes and changes, nothing written) and <see cref="Write"/>. Each transaction is
/// all-or-nothing inside the group: one that fails validation or an expect-version check contributes nothing but its
/// inbox record, and later transactions see the effects of earlier ones. Used by the single commit loop only (not thread-safe).
/// </summary>
/// <param name="inboxRetention">How long txn_ids are kept for duplicate detection (<c>Statehouse:Commit:InboxRetention</c>);
/// envelopes whose deadline lies further ahead are refused. Default: that setting's default (7 days).</param>
/// <param name="authorizer">Who may write which namespace; one built from default <see cref="AuthorizationOptions"/> (not
/// enabled) accepts every user, as a worker without <c>Statehouse:Authorization</c> does.</param>
internal sealed class CommitEngine(
    StateStore store, LimitOptions limits, TimeProvider time, NamespaceAuthorizer authorizer, int versionCacheCapacity = CommitEngine.VersionCacheCapacity,
    TimeSpan? inboxRetention = null) : ICommitApplier
{
    /// <summary>Records whose version the engine keeps in memory (about 100 bytes each).</summary>
    public const int VersionCacheCapacity = 100_000;

    private readonly EnvelopeValidator _validator = new(limits, inboxRetention ?? CommitOptions.DefaultInboxRetention);
    private readonly RecordVersionCache _versions = new(versionCacheCapacity);

    /// <summary>
    /// Decodes, validates, dedupes and applies the requests in order as one synced write (<see cref="Decide"/>, then
    /// <see cref="Write"/>). Returns one outcome per request, in order. Throws <see cref="StorageWriteException"/> when the
    /// write fails; then nothing of the group is stored and nothing may be acked.
    /// </summary>
    public CommitGroupResult Apply(IReadOnlyList<CommitRequest> requests) => Write(Decide(requests), position: null);

    /// <summary>
    /// Decodes, validates, dedupes and checks the requests in order and hands out commit_ts values after the store's last
    /// one, as changes to make (<see cref="DecidedGroup.Changes"/>), one outcome per request. Writes nothing and changes
    /// no cache: the group exists only once <see cref="Write"/> stored it. At most one decided group may be pending at a
    /// time (the next one starts from the store's last commit_ts again); after one that is dropped, call
    /// <see cref="Forget"/> if the store may have changed meanwhile.
    /// </summary>
    public DecidedGroup Decide(IReadOnlyList<CommitRequest> requests)
    {
        using var reader = StoreReader.OpenLatest(store);
        var firstCommitTs = store.LastCommitTs + 1;
        var group = new GroupState(reader, _versions, store.LastCommitTs, time.GetUtcNow(), _validator.InboxRetention);
        var outcomes = new CommitOutcome[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            outcomes[i] = ApplyOne(requests[i], group);
        }

        return new DecidedGroup(outcomes, group.Committed, firstCommitTs, group.LastCommitTs, group.Changes) { Versions = group.Pending };
    }

    /// <summary>
    /// Writes a group from <see cref="Decide"/> as one synced write, with <paramref name="position"/> (when not null) as
    /// the store's replication position in the same write; a group without changes is written only for a position.
    /// Throws <see cref="StorageWriteException"/> when the write fails; then nothing of the group is stored.
    /// </summary>
    public CommitGroupResult Write(DecidedGroup group, ReplicationPosition? position)
    {
        if (group.NeedsWrite || position is not null)
        {
            using var batch = new StoreBatch(store);
            batch.Stage(group.Changes.Items);
            if (position is { } at)
            {
                batch.SetPosition(at);
            }

            try
            {
                batch.WriteSynced(group.LastCommitTs);
            }
            catch (StorageWriteException)
            {
                // RocksDB may hold more or less of this group than it was told (an fsync that failed after the log
                // was written): from now on only the store knows the versions.
                _versions.Clear();
                throw;
            }

            foreach (var (record, current) in group.Versions)
            {
                _versions.Set(record, current);
            }
        }

        return new CommitGroupResult(group.Outcomes, group.Committed, group.LastCommitTs);
    }

    /// <summary>
    /// Drops what the engine remembers of the store (record versions): after a decided group that was not written, or
    /// after another writer (a replica's log follower) changed the store.
    /// </summary>
    public void Forget() => _versions.Clear();

    /// <summary>
    /// Reopens the store after a failed write (RocksDB refuses writes after an I/O error until reopened).
    /// False, with the reason, while it still cannot be opened.
    /// </summary>
    public bool TryRecoverStorage(out string? error)
    {
        _versions.Clear();
        return store.TryReopen(out error);
    }

    private CommitOutcome ApplyOne(CommitRequest request, GroupState group)
    {
        if (request.Body.Length > limits.MaxMessageBytes)
        {
            return Unrecorded(request.MessageId, ErrorCode.PayloadTooLarge,
                $"message is {request.Body.Length} bytes; at most {limits.MaxMessageBytes} are accepted");
        }

        CommitEnvelope envelope;
        try
        {
            envelope = WireFormat.Deserialize<CommitEnvelope>(request.Body);
        }
        catch (MessagePackSerializationException e)
        {
            return Unrecorded(request.MessageId, ErrorCode.InvalidRequest, $"undecodable commit envelope: {Innermost(e).Message}");
        }

        if (envelope is null)
        {
            return Unrecorded(request.MessageId, ErrorCode.InvalidRequest, "the commit envelope is nil");
        }

        if (_validator.CheckTxnId(envelope.TxnId) is { } txnFailure)
        {
            return Unrecorded(request.MessageId, ErrorCode.InvalidRequest, txnFailure.Message);
        }

        var txnId = envelope.TxnId;
        // Authorization comes before the inbox: a user must not learn another namespace's replies by guessing txn_ids.
        if (!string.IsNullOrEmpty(envelope.Namespace) && authorizer.CheckWrite(request.UserId, envelope.Namespace) is { } denied)
        {
            return Unrecorded(txnId, denied.Code, denied.Message);
        }

        var digest = TransactionDigest.Compute(request.Body);
        if (group.FindReply(txnId) is { } earlier)
        {
            if (earlier.Namespace is not null && earlier.Namespace != envelope.Namespace)
            {
                return Unrecorded(txnId, ErrorCode.InvalidRequest,
                    $"txn_id '{txnId}' was already used for a transaction in another namespace; every transaction needs its own txn_id");
            }

            // Entries stored before digests existed have none: they answer a resend as before.
            if (earlier.Digest is not null && !earlier.Digest.AsSpan().SequenceEqual(digest))
            {
                return Unrecorded(txnId, ErrorCode.InvalidRequest,
                    $"txn_id '{txnId}' was already used for a transaction with other operations; every transaction needs its own txn_id");
            }

            // An operator's requeue of a dead-lettered transaction is validated again below and its new outcome replaces
            // the refusal in the inbox. A commit always answers from the inbox: it is never applied twice.
            if (!(request.Requeued && WasDeadLettered(earlier.Outcome.Reply)))
            {
                return new CommitOutcome(earlier.Outcome.Reply, earlier.Outcome.ReplyBytes, Duplicate: true, DeadLetterAgain(request, earlier.Outcome.Reply));
            }
        }

        if (_validator.Validate(envelope, group.Now) is { } failure)
        {
            return group.Record(envelope, digest, CommitReply.Rejected(txnId, failure.Code, failure.Message), failure.Message);
        }

        var conflicts = FindConflicts(envelope, group);
        if (conflicts.Count > 0)
        {
            var message = string.Join("; ", conflicts.Select(c => $"'{c.AgentId}'/'{c.Key}' is at version {c.Version}"));
            return group.Record(envelope, digest,
                CommitReply.Rejected(txnId, ErrorCode.Conflict, "expected versions do not hold: " + message, conflicts), null);
        }

        if (EnvelopeValidator.FindFork(envelope.Operations) is { } fork)
        {
            var (operations, refusal) = PlanFork(envelope, fork, group);
            if (refusal is not null)
            {
                var reason = refusal.Code == ErrorCode.Conflict ? null : refusal.Message;
                return group.Record(envelope, digest, CommitReply.Rejected(txnId, refusal.Code, refusal.Message), reason);
            }

            return group.Record(envelope, digest, Commit(envelope with { Operations = operations! }, group), null);
        }

        return group.Record(envelope, digest, Commit(envelope, group), null);
    }

    /// <summary>
    /// Reads what a fork needs as this group sees the store (earlier transactions of the group included): the target's
    /// live records now and the source's as of the fork's commit_ts, each bounded by the operation limit, and hands them
    /// to <see cref="ForkPlanner"/>. The commit_ts must be one already committed and readable exactly: a state history retention
    /// pruned (<see cref="HistoryPrunedException"/>) answers HISTORY_PRUNED.
    /// </summary>
    private (IReadOnlyList<Operation>? Operations, ValidationFailure? Failure) PlanFork(CommitEnvelope envelope, Operation fork, GroupState group)
    {
        var atCommitTs = fork.ExpectedVersion;
        if (atCommitTs > group.LastCommitTs)
        {
            return (null, new ValidationFailure(ErrorCode.InvalidRequest,
                $"the fork is at commit_ts {atCommitTs}, beyond the last commit_ts {group.LastCommitTs}; the state as of a later one could still change"));
        }

        try
        {
            var target = group.LiveRecords(envelope.Namespace, fork.AgentId, long.MaxValue, limits.MaxOperations);
            var source = group.LiveRecords(envelope.Namespace, fork.Key, atCommitTs, limits.MaxOperations);
            return ForkPlanner.Plan(envelope, fork, target, source, limits);
        }
        catch (HistoryPrunedException e)
        {
            // History retention removed a version the state as of the fork's commit_ts needs: never fork a wrong state.
            return (null, new ValidationFailure(ErrorCode.HistoryPruned,
                $"cannot fork '{fork.Key}' as of commit_ts {atCommitTs}: {e.Message} (history horizon of namespace '{envelope.Namespace}': commit_ts {e.Horizon})"));
        }
    }

    private static List<RecordVersion> FindConflicts(CommitEnvelope envelope, GroupState group)
    {
        var conflicts = new List<RecordVersion>();
        foreach (var operation in envelope.Operations)
        {
            if (operation.Kind != OperationKind.ExpectVersion)
            {
                continue;
            }

            var current = group.Current(RecordKey.Of(envelope.Namespace, operation.AgentId, operation.Key));
            var holds = operation.ExpectedVersion == 0
                ? current.Version == 0 || current.Deleted
                : current.Version == operation.ExpectedVersion;
            if (!holds && !conflicts.Exists(c => c.AgentId == operation.AgentId && c.Key == operation.Key))
            {
                conflicts.Add(new RecordVersion(operation.AgentId, operation.Key, current.Version));
            }
        }

        return conflicts;
    }

    private static CommitReply Commit(CommitEnvelope envelope, GroupState group)
    {
        // Several operations on one record: the last wins and the version moves by one.
        var final = new Dictionary<(string Agent, string Key), Operation>();
        var order = new List<(string Agent, string Key)>();
        foreach (var operation in envelope.Operations)
        {
            if (operation.Kind == OperationKind.ExpectVersion)
            {
                continue;
            }

            var record = (operation.AgentId, operation.Key);
            if (!final.ContainsKey(record))
            {
                order.Add(record);
            }

            final[record] = operation;
        }

        var commitTs = group.NextCommitTs();
        var logged = new List<LoggedOperation>(order.Count);
        var versions = new List<RecordVersion>(order.Count);
        foreach (var record in order)
        {
            var operation = final[record];
            var identity = RecordKey.Of(envelope.Namespace, record.Agent, record.Key);
            var version = group.Current(identity).Version + 1;
            var deleted = operation.Kind == OperationKind.Delete;
            group.Put(envelope.Namespace, record.Agent, record.Key, identity, new StoredRecord(version, commitTs, deleted, deleted ? null : operation.Value));
            logged.Add(new LoggedOperation(record.Agent, record.Key, operation.Kind, version));
            versions.Add(new RecordVersion(record.Agent, record.Key, version));
        }

        group.Log(commitTs, new LogEntry(envelope.TxnId, envelope.Namespace, logged, group.Now.ToUnixTimeMilliseconds()));
        return CommitReply.Committed(envelope.TxnId, commitTs, versions);
    }

    /// <summary>
    /// A redelivered message whose refusal is already in the inbox: the worker recorded it, then failed before the ack,
    /// possibly before its dead-letter copy was published. The copy is made again, so a refused message is never acked
    /// without one (at worst the dead-letter queue holds it twice). Conflicts are answers, not bad input: no copy.
    /// </summary>
    private static string? DeadLetterAgain(CommitRequest request, CommitReply earlier) =>
        request.Redelivered && WasDeadLettered(earlier)
            ? earlier.ErrorMessage ?? earlier.ErrorCode.ToWireName()
            : null;

    /// <summary>A refusal that was dead-lettered: every rejection but a conflict (an answer, not bad input).</summary>
    private static bool WasDeadLettered(CommitReply reply) => reply.Status == CommitStatus.Rejected && reply.ErrorCode != ErrorCode.Conflict;

    private static CommitOutcome Unrecorded(string? messageId, ErrorCode code, string message)
    {
        // Without a usable txn_id there is nothing to dedupe by, so nothing is stored: the message is dead-lettered.
        var reply = CommitReply.Rejected(messageId ?? "", code, message);
        return new CommitOutcome(reply, WireFormat.Serialize(reply), Duplicate: false, DeadLetterReason: message);
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    /// <summary>What one group has staged so far: records changed, replies given, the commit_ts reached.</summary>
    private sealed class GroupState(
        StoreReader reader, RecordVersionCache versions, long lastCommitTs, DateTimeOffset now, TimeSpan inboxRetention)
    {
        private readonly Dictionary<RecordKey, RecordVersionCache.Entry> _pending = [];
        private readonly Dictionary<string, (CommitOutcome Outcome, string? Namespace, byte[]? Digest)> _replies = new(StringComparer.Ordinal);
        private readonly long _storeLastCommitTs = lastCommitTs;

        public DateTimeOffset Now { get; } = now;

        public long LastCommitTs { get; private set; } = lastCommitTs;

        public int Committed { get; private set; }

        /// <summary>What the group changes, in order.</summary>
        public StoreChanges Changes { get; } = new();

        /// <summary>The versions the group's records reach, for the cache once it is written.</summary>
        public IReadOnlyDictionary<RecordKey, RecordVersionCache.Entry> Pending => _pending;

        public long NextCommitTs()
        {
            Committed++;
            return ++LastCommitTs;
        }

        /// <summary>The record's version as this group sees it: staged here, known to the cache, or read from the store (0 when it never existed).</summary>
        public RecordVersionCache.Entry Current(RecordKey record)
        {
            if (_pending.TryGetValue(record, out var pending) || versions.TryGet(record, out pending))
            {
                return pending;
            }

            if (reader.GetRecord(record) is not { } stored)
            {
                return default;
            }

            var current = new RecordVersionCache.Entry(stored.Version, stored.Deleted);
            versions.Set(record, current);
            return current;
        }

        /// <summary>
        /// The agent's live records as of <paramref name="asOfCommitTs"/> (long.MaxValue: now) as this group sees them: the
        /// store's, then the group's own earlier changes with a commit_ts at or before it. Null when the agent has more
        /// than <paramref name="limit"/> live records (reading stops soon after).
        /// </summary>
        public IReadOnlyList<(string Key, StoredRecord Record)>? LiveRecords(string ns, string agentId, long asOfCommitTs, int limit)
        {
            var pending = Changes.Items
                .Where(c => c.Kind == StoreChangeKind.PutRecord && c.Namespace == ns && c.AgentId == agentId && c.Record!.CommitTs <= asOfCommitTs)
                .ToList();
            var stored = asOfCommitTs >= _storeLastCommitTs
                ? reader.ScanKeys(ns, agentId, "", null)
                : reader.ScanAgentAsOf(ns, agentId, asOfCommitTs);
            var records = new SortedDictionary<string, StoredRecord>(StringComparer.Ordinal);
            // The group's changes can take away at most one stored record each: more than that many beyond the limit is too many.
            foreach (var (key, record) in stored)
            {
                records[key] = record;
                if (records.Count > limit + pending.Count)
                {
                    return null;
                }
            }

            foreach (var change in pending)
            {
                if (change.Record!.Deleted)
                {
                    records.Remove(change.Key!);
                }
                else
                {
                    records[change.Key!] = change.Record;
                }
            }

            return records.Count > limit ? null : [.. records.Select(r => (r.Key, r.Value))];
        }

        public void Put(string ns, string agentId, string key, RecordKey record, StoredRecord stored)
        {
            _pending[record] = new RecordVersionCache.Entry(stored.Version, stored.Deleted);
            Changes.PutRecord(ns, agentId, key, stored);
        }

        public void Log(long commitTs, LogEntry entry) => Changes.AppendLog(commitTs, entry);

        /// <summary>The reply already given to <paramref name="txnId"/>, in this group or in the inbox, its namespace and digest.</summary>
        public (CommitOutcome Outcome, string? Namespace, byte[]? Digest)? FindReply(string txnId)
        {
            if (_replies.TryGetValue(txnId, out var earlier))
            {
                return earlier;
            }

            if (reader.FindReply(txnId) is not { } entry)
            {
                return null;
            }

            var reply = WireFormat.Deserialize<CommitReply>(entry.Reply);
            return (new CommitOutcome(reply, entry.Reply, Duplicate: true, DeadLetterReason: null), entry.Namespace, entry.Digest);
        }

        /// <summary>
        /// Stores the reply in the inbox, in the same batch as the transaction's effects, with the envelope's deadline:
        /// the entry must outlive every moment at which the same envelope could still be applied.
        /// </summary>
        public CommitOutcome Record(CommitEnvelope envelope, byte[] digest, CommitReply reply, string? deadLetterReason)
        {
            var ns = envelope.Namespace;
            var bytes = WireFormat.Serialize(reply);
            // An envelope is applied only within the retention of its deadline, so a deadline further ahead (refused) is
            // kept no longer than that: a far-future deadline must not pin its entry in the inbox for good.
            var keepUntil = Now.Add(inboxRetention).ToUnixTimeMilliseconds();
            var entry = new InboxEntry(Now.ToUnixTimeMilliseconds(), bytes, ns, digest, Math.Clamp(envelope.DeadlineUnixMs, 0, keepUntil));
            Changes.RecordReply(reply.TxnId, entry);
            var outcome = new CommitOutcome(reply, bytes, Duplicate: false, deadLetterReason);
            _replies[reply.TxnId] = (outcome, ns, digest);
            return outcome;
        }
    }
}
