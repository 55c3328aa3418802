using MessagePack;
using Statehouse.Contracts;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Reads;

/// <summary>
/// Answers read requests from RocksDB snapshots, concurrently with commits and with each other (thread-safe).
/// Never throws (but for a cancelled <see cref="HandleAsync"/>): every problem becomes an error reply. A record read
/// whose <c>min_commit_ts</c> the store has not reached is answered NOT_CAUGHT_UP; <see cref="HandleAsync"/> first waits
/// for the store to reach it.
/// </summary>
/// <param name="authorizer">Who may read which namespace; one built from default <see cref="AuthorizationOptions"/> (not
/// enabled) accepts every user.</param>
/// <param name="counters">The worker's totals (<see cref="WorkerCounters"/>), which the Stats read reports.</param>
/// <param name="backups">Where Backup requests go; null for a read service that takes none (it answers INVALID_REQUEST).</param>
/// <param name="time">The clock of the catch-up wait (<see cref="ReadServiceOptions.CatchUpWaitMilliseconds"/>); the system's when null.</param>
internal sealed class ReadService(
    StateStore store, ReadServiceOptions options, WorkerHealth health, NamespaceAuthorizer authorizer, WorkerCounters counters,
    BackupService? backups = null, TimeProvider? time = null)
{
    /// <summary>
    /// Transactions a namespace-wide replay page looks at, at most: the log holds every namespace's, so a page of a quiet
    /// namespace ends here (with its next start) instead of reading the whole log in one request.
    /// </summary>
    internal const int NamespaceScanLimit = 10_000;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// Decodes a request body and answers it, for the broker-checked <paramref name="userId"/> (AMQP user_id). A record
    /// read whose <c>min_commit_ts</c> the store has not reached waits for it, at most
    /// <see cref="ReadServiceOptions.CatchUpWaitMilliseconds"/>, woken by the store's writes, and is answered then
    /// (NOT_CAUGHT_UP if still behind). Throws <see cref="OperationCanceledException"/> only when
    /// <paramref name="cancellationToken"/> ends such a wait (the worker is stopping: leave the request to another).
    /// </summary>
    public async ValueTask<ReadReply> HandleAsync(ReadOnlyMemory<byte> body, string? userId, CancellationToken cancellationToken)
    {
        if (Decode(body, out var request) is { } undecodable)
        {
            return undecodable;
        }

        var reply = Handle(request, userId);
        if (reply.ErrorCode != ErrorCode.NotCaughtUp || options.CatchUpWaitMilliseconds == 0)
        {
            return reply;
        }

        await CatchUpAsync(request.MinCommitTs, cancellationToken);
        return Handle(request, userId);
    }

    /// <summary>
    /// Decodes a request body and answers it at once, for the broker-checked <paramref name="userId"/> (AMQP user_id):
    /// no catch-up wait (in-process callers: benchmarks, tests).
    /// </summary>
    public ReadReply Handle(ReadOnlyMemory<byte> body, string? userId = null) =>
        Decode(body, out var request) ?? Handle(request, userId);

    /// <summary>Answers <paramref name="request"/> at once (no catch-up wait: NOT_CAUGHT_UP while the store is behind its min_commit_ts).</summary>
    public ReadReply Handle(ReadRequest request, string? userId = null)
    {
        if (request.SchemaVersion != WireFormat.SchemaVersion)
        {
            return ReadReply.Error(ErrorCode.InvalidRequest, $"unknown schema version {request.SchemaVersion} (this worker reads {WireFormat.SchemaVersion})");
        }

        var workerWide = request.Kind is ReadKind.Health or ReadKind.Version or ReadKind.Stats;
        var denied = request.Kind == ReadKind.Backup
            ? authorizer.CheckWrite(userId, "*")
            : authorizer.CheckRead(userId, workerWide ? null : request.Namespace ?? "");
        if (denied is not null)
        {
            return ReadReply.Error(denied.Code, denied.Message);
        }

        try
        {
            using var lease = store.EnterRead();
            return request.Kind switch
            {
                ReadKind.Health or ReadKind.Version => new ReadReply(ErrorCode.None, Health: health.Snapshot(store.LastCommitTs)),
                ReadKind.Stats => new ReadReply(ErrorCode.None, Stats: Stats()),
                ReadKind.Backup => Backup(request),
                _ when Missing(request.Namespace, "namespace") is { } e => e,
                // An empty agent_id in a replay asks for the whole namespace; ListAgents takes none.
                not (ReadKind.Replay or ReadKind.ListAgents) when Missing(request.AgentId, "agent_id") is { } e => e,
                ReadKind.Get or ReadKind.GetAtVersion or ReadKind.GetAsOf when Missing(request.Key, "key") is { } e => e,
                _ when request.MinCommitTs < 0 => ReadReply.Error(ErrorCode.InvalidRequest, $"min_commit_ts {request.MinCommitTs} is negative"),
                _ when NotCaughtUp(request.MinCommitTs) is { } e => e,
                ReadKind.Get => Get(request),
                ReadKind.GetAtVersion => GetAtVersion(request),
                ReadKind.GetAsOf => GetAsOf(request),
                ReadKind.ListKeys => List(request, withValues: false),
                ReadKind.ScanPrefix => List(request, withValues: true),
                ReadKind.ListAgents => ListAgents(request),
                ReadKind.Replay => Replay(request),
                _ => ReadReply.Error(ErrorCode.InvalidRequest, $"unknown read kind {(int)request.Kind}"),
            };
        }
        catch (HistoryPrunedException e)
        {
            return new ReadReply(ErrorCode.HistoryPruned, e.Message, Horizon: e.Horizon);
        }
        catch (Exception e) when (e is StorageReadException or MessagePackSerializationException or ObjectDisposedException or StorageUnavailableException)
        {
            return ReadReply.Error(ErrorCode.StorageError, "read failed: " + e.Message);
        }
    }

    /// <summary>NOT_CAUGHT_UP when the store's last commit_ts is below <paramref name="minCommitTs"/>, else null.</summary>
    private ReadReply? NotCaughtUp(long minCommitTs)
    {
        var lastCommitTs = store.LastCommitTs;
        return minCommitTs <= lastCommitTs
            ? null
            : ReadReply.Error(ErrorCode.NotCaughtUp,
                $"this worker's store has applied up to commit_ts {lastCommitTs}, below the read's min_commit_ts {minCommitTs} " +
                $"(it waits at most {options.CatchUpWaitMilliseconds} ms, Statehouse:Reads:CatchUpWaitMilliseconds); retry, another worker may be further");
    }

    /// <summary>
    /// Returns once the store's last commit_ts reached <paramref name="commitTs"/> or <see cref="ReadServiceOptions.CatchUpWaitMilliseconds"/>
    /// passed, woken by each change of it (<see cref="StateStore.LastCommitTsMoved"/>). Throws
    /// <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    private async Task CatchUpAsync(long commitTs, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(options.CatchUpWaitMilliseconds), _time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            while (true)
            {
                var moved = store.LastCommitTsMoved;
                if (store.LastCommitTs >= commitTs)
                {
                    return;
                }

                await moved.WaitAsync(wait.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Waited long enough: the caller answers with what the store has.
        }
    }

    /// <summary>Null with the decoded <paramref name="request"/>, or the INVALID_REQUEST reply to bytes that are none.</summary>
    private static ReadReply? Decode(ReadOnlyMemory<byte> body, out ReadRequest request)
    {
        request = null!;
        try
        {
            request = WireFormat.Deserialize<ReadRequest>(body);
        }
        catch (MessagePackSerializationException e)
        {
            return ReadReply.Error(ErrorCode.InvalidRequest, "undecodable read request: " + (e.InnerException ?? e).Message);
        }

        return request is null ? ReadReply.Error(ErrorCode.InvalidRequest, "the read request is nil") : null;
    }

    private WorkerStats Stats() => new(
        counters.Committed, counters.Rejected, counters.Duplicates, counters.DeadLetters,
        store.SyncedWrites, counters.Reads, store.LastCommitTs, counters.StartedAtUnixMs,
        counters.Groups, counters.GroupMessages);

    private ReadReply Backup(ReadRequest request)
    {
        if (backups is null)
        {
            return ReadReply.Error(ErrorCode.InvalidRequest, "this worker takes no backups");
        }

        try
        {
            return new ReadReply(ErrorCode.None, Backup: backups.Create(request.Key));
        }
        catch (ArgumentException e)
        {
            return ReadReply.Error(ErrorCode.InvalidRequest, e.Message);
        }
        catch (IOException e)
        {
            return ReadReply.Error(ErrorCode.StorageError, "backup failed: " + e.Message);
        }
    }

    private static ReadReply? Missing(string? value, string what) =>
        string.IsNullOrEmpty(value) ? ReadReply.Error(ErrorCode.InvalidRequest, $"{what} is missing or empty") : null;

    private ReadReply Get(ReadRequest request)
    {
        using var reader = StoreReader.OpenLatest(store);
        return new ReadReply(ErrorCode.None, Record: ToState(request.Key, reader.GetRecord(request.Namespace, request.AgentId, request.Key)));
    }

    private ReadReply GetAtVersion(ReadRequest request)
    {
        if (request.Version <= 0)
        {
            return ReadReply.Error(ErrorCode.InvalidRequest, $"version {request.Version} is not a version (versions start at 1)");
        }

        using var reader = StoreReader.OpenLatest(store);
        return reader.GetHistory(request.Namespace, request.AgentId, request.Key, request.Version) is { } record
            ? new ReadReply(ErrorCode.None, Record: ToState(request.Key, record))
            : ReadReply.Error(ErrorCode.VersionNotFound, $"'{request.AgentId}'/'{request.Key}' has no version {request.Version}");
    }

    private ReadReply GetAsOf(ReadRequest request)
    {
        if (request.CommitTs < 0)
        {
            return ReadReply.Error(ErrorCode.InvalidRequest, $"commit_ts {request.CommitTs} is negative");
        }

        // The state as of a commit_ts not yet committed is not known: a later commit may still change it. Read before
        // the snapshot, so the snapshot holds every commit up to it.
        var lastCommitTs = store.LastCommitTs;
        if (request.CommitTs > lastCommitTs)
        {
            return ReadReply.Error(ErrorCode.InvalidRequest,
                $"commit_ts {request.CommitTs} is beyond the last commit_ts {lastCommitTs}: the state as of it is not known yet");
        }

        using var reader = StoreReader.OpenSnapshot(store);
        return new ReadReply(ErrorCode.None, Record: ToState(request.Key, reader.GetRecordAsOf(request.Namespace, request.AgentId, request.Key, request.CommitTs)));
    }

    private ReadReply List(ReadRequest request, bool withValues)
    {
        var limit = PageSize(request.Limit);
        var keys = new List<string>();
        var records = new List<StateRecord>();
        string? nextKey = null;
        long bytes = 0;

        using var reader = StoreReader.OpenSnapshot(store);
        foreach (var (key, record) in reader.ScanKeys(request.Namespace, request.AgentId, request.Prefix ?? "", request.AfterKey))
        {
            if (keys.Count == limit || (withValues && keys.Count > 0 && bytes + (record.Value?.Length ?? 0) > options.MaxPageBytes))
            {
                nextKey = keys[^1];
                break;
            }

            keys.Add(key);
            if (withValues)
            {
                records.Add(ToState(key, record));
                bytes += record.Value?.Length ?? 0;
            }
        }

        return withValues
            ? new ReadReply(ErrorCode.None, Records: records, NextKey: nextKey)
            : new ReadReply(ErrorCode.None, Keys: keys, NextKey: nextKey);
    }

    private ReadReply ListAgents(ReadRequest request)
    {
        var limit = PageSize(request.Limit);
        var agents = new List<string>();
        string? nextKey = null;

        using var reader = StoreReader.OpenSnapshot(store);
        foreach (var agentId in reader.ListAgents(request.Namespace, request.Prefix ?? "", request.AfterKey))
        {
            if (agents.Count == limit)
            {
                nextKey = agents[^1];
                break;
            }

            agents.Add(agentId);
        }

        return new ReadReply(ErrorCode.None, Keys: agents, NextKey: nextKey);
    }

    /// <summary>
    /// An agent's replay (agent_log) or, with an empty agent_id, the namespace's (the log, filtered by namespace), one
    /// page read under one snapshot: the page is a consistent prefix of the history from its start.
    /// </summary>
    private ReadReply Replay(ReadRequest request)
    {
        if (request.StartTs < 0 || request.EndTs < 0 || (request.EndTs > 0 && request.EndTs < request.StartTs))
        {
            return ReadReply.Error(ErrorCode.InvalidRequest, $"invalid replay range [{request.StartTs}, {request.EndTs}] (0 = open end)");
        }

        var limit = PageSize(request.Limit);
        var endTs = request.EndTs == 0 ? long.MaxValue : request.EndTs;
        var events = new List<CommitEvent>();
        long nextStartTs = 0;
        long bytes = 0;

        var wholeNamespace = string.IsNullOrEmpty(request.AgentId);
        var scanned = 0;
        using var reader = StoreReader.OpenSnapshot(store);
        // Below the horizon retention removed entries and values: say so rather than start later or leave values out.
        var horizon = reader.GetHorizon(request.Namespace);
        if (request.StartTs < horizon)
        {
            return new ReadReply(ErrorCode.HistoryPruned,
                $"replay from commit_ts {request.StartTs} starts below the history horizon of namespace '{request.Namespace}', commit_ts {horizon}, " +
                $"on this worker: history retention removed older entries; replay from {horizon} on", Horizon: horizon);
        }

        var entries = wholeNamespace
            ? reader.ReadLog(request.StartTs, endTs)
            : reader.ReadAgentLog(request.Namespace, request.AgentId, request.StartTs, endTs);
        foreach (var (commitTs, entry) in entries)
        {
            // A namespace's page also ends after NamespaceScanLimit transactions of other namespaces, events or not.
            if (events.Count == limit || (events.Count > 0 && bytes > options.MaxPageBytes) || (wholeNamespace && scanned == NamespaceScanLimit))
            {
                nextStartTs = commitTs;
                break;
            }

            scanned++;
            if (wholeNamespace && entry.Namespace != request.Namespace)
            {
                continue;
            }

            var operations = entry.Operations.Select(o => ToEventOperation(request.Namespace, o, reader, wholeNamespace)).ToList();
            bytes += operations.Sum(o => (long)(o.Value?.Length ?? 0));
            events.Add(new CommitEvent(entry.TxnId, commitTs, request.AgentId ?? "", operations));
        }

        return new ReadReply(ErrorCode.None, Events: events, NextStartTs: nextStartTs);
    }

    private static CommitEventOperation ToEventOperation(string ns, LoggedOperation operation, StoreReader reader, bool withAgent)
    {
        var value = operation.Kind == OperationKind.Write
            ? reader.GetHistory(ns, operation.AgentId, operation.Key, operation.Version)?.Value
            : null;
        return new CommitEventOperation(operation.Key, operation.Kind, operation.Version, value, withAgent ? operation.AgentId : null);
    }

    private int PageSize(int requested) => requested <= 0 ? options.DefaultPageSize : Math.Min(requested, options.MaxPageSize);

    private static StateRecord ToState(string key, StoredRecord? record) =>
        record is null
            ? new StateRecord(key, Exists: false, Value: null, Version: 0, CommitTs: 0)
            : new StateRecord(key, Exists: !record.Deleted, Value: record.Deleted ? null : record.Value, record.Version, record.CommitTs);
}
