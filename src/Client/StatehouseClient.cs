using System.Runtime.CompilerServices;
using MessagePack;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Statehouse.Client.Exceptions;
using Statehouse.Client.Following;
using Statehouse.Client.Messaging;
using Statehouse.Contracts;

namespace Statehouse.Client;

/// <summary>
/// A connection to Statehouse through RabbitMQ: transactions are published whole to the commit queue and answered by the
/// worker; reads go through the read queue. Thread-safe: share one client for the whole process.
/// </summary>
public sealed class StatehouseClient : IAsyncDisposable
{
    /// <summary>Pause before asking again after NOT_CAUGHT_UP (the worker usually waited already; with no wait it would spin).</summary>
    private static readonly TimeSpan s_notCaughtUpPause = TimeSpan.FromMilliseconds(100);

    private readonly StatehouseClientOptions _options;
    private readonly BrokerLink _link;
    private readonly TopologyNames _names;
    private readonly ILogger _logger;
    private long _highestSeenCommitTs;

    private StatehouseClient(StatehouseClientOptions options, BrokerLink link, ILogger logger)
    {
        _options = options;
        _link = link;
        _logger = logger;
        _names = new TopologyNames(options.QueuePrefix);
    }

    /// <summary>The namespace used when a call names none.</summary>
    public string DefaultNamespace => _options.Namespace;

    /// <summary>The queue prefix the client publishes under.</summary>
    public string QueuePrefix => _options.QueuePrefix;

    /// <summary>Whether the broker connection is up; false while it is being recovered (requests then wait and resend).</summary>
    public bool IsConnected => _link.IsOpen;

    /// <summary>
    /// The commit_ts every record read sends as its min_commit_ts: the highest this client has seen in its commits and
    /// read results (with <see cref="StatehouseClientOptions.ReadYourWrites"/> on) and given to <see cref="ObserveCommitTs"/>;
    /// 0 before any.
    /// </summary>
    public long HighestSeenCommitTs => Interlocked.Read(ref _highestSeenCommitTs);

    /// <summary>
    /// Makes every later record read of this client show at least the state after <paramref name="commitTs"/>: for a
    /// commit_ts learned from elsewhere, e.g. another agent's commit announced in a message, or the CLI's
    /// <c>--min-commit-ts</c>. It only raises <see cref="HighestSeenCommitTs"/>; a lower value changes nothing. Works whether
    /// or not <see cref="StatehouseClientOptions.ReadYourWrites"/> is on.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="commitTs"/> is negative.</exception>
    public void ObserveCommitTs(long commitTs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(commitTs);
        Raise(commitTs);
    }

    /// <summary>The queue replies arrive on (tests inspect it; it changes when connection recovery re-creates it).</summary>
    internal string ReplyQueue => _link.ReplyQueue;

    /// <summary>Connects to the broker and starts listening for replies.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="StatehouseUnavailableException">The broker cannot be reached.</exception>
    public static async Task<StatehouseClient> ConnectAsync(StatehouseClientOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var copy = options.Clone();
        var logger = (copy.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<StatehouseClient>();
        var link = await BrokerLink.OpenAsync(copy, logger, ct).ConfigureAwait(false);
        return new StatehouseClient(copy, link, logger);
    }

    /// <summary>
    /// Starts a transaction in <paramref name="namespace"/> (default: the client's). <paramref name="txnId"/> defaults to a
    /// fresh GUID; pass the id of an earlier transaction to resend it (the worker applies an id at most once and answers
    /// a resend with the first outcome, also from another process).
    /// </summary>
    public StatehouseTransaction BeginTransaction(string? @namespace = null, string? txnId = null)
    {
        if (txnId is not null && string.IsNullOrWhiteSpace(txnId))
        {
            throw new ArgumentException("A transaction id must not be empty or white space.", nameof(txnId));
        }

        return new StatehouseTransaction(this, Namespace(@namespace), txnId ?? Guid.NewGuid().ToString("N"), _options.ValueSerializerOptions);
    }

    /// <summary>The current state of a record; a missing or deleted key gives <see cref="StateResult{T}.Exists"/> = false.</summary>
    public async Task<StateResult<T>> GetStateAsync<T>(string agentId, string key, string? @namespace = null, CancellationToken ct = default)
    {
        Guard.Record(agentId, key);
        var reply = await ReadAsync(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, Namespace(@namespace), agentId, key), ct).ConfigureAwait(false);
        return ToStateOrMissing<T>(reply, key);
    }

    /// <summary>The record as it was at <paramref name="version"/> (a deleted version reads as not existing).</summary>
    /// <exception cref="StatehouseNotFoundException">The record never had that version (VERSION_NOT_FOUND).</exception>
    /// <exception cref="StatehouseHistoryPrunedException">The version existed but retention pruned it (HISTORY_PRUNED, with the horizon).</exception>
    public async Task<StateResult<T>> GetStateAtVersionAsync<T>(string agentId, string key, long version, string? @namespace = null, CancellationToken ct = default)
    {
        Guard.Record(agentId, key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(version);
        var reply = await ReadAsync(
            new ReadRequest(WireFormat.SchemaVersion, ReadKind.GetAtVersion, Namespace(@namespace), agentId, key, Version: version), ct).ConfigureAwait(false);
        ThrowIfError(reply);
        return ToState<T>(RequireRecordIn(reply), key);
    }

    /// <summary>
    /// The record as it was right after the transaction with <paramref name="commitTs"/> (not existing if not written by
    /// then). <paramref name="commitTs"/> must be at most the worker's last commit_ts: the state as of a later one could
    /// still change.
    /// </summary>
    /// <exception cref="StatehouseInvalidRequestException"><paramref name="commitTs"/> is beyond the last commit_ts (INVALID_REQUEST).</exception>
    /// <exception cref="StatehouseHistoryPrunedException">
    /// The versions that would answer it were pruned by retention (HISTORY_PRUNED, with the horizon): never a later version instead.
    /// </exception>
    public async Task<StateResult<T>> GetStateAsOfAsync<T>(string agentId, string key, long commitTs, string? @namespace = null, CancellationToken ct = default)
    {
        Guard.Record(agentId, key);
        ArgumentOutOfRangeException.ThrowIfNegative(commitTs);
        var reply = await ReadAsync(
            new ReadRequest(WireFormat.SchemaVersion, ReadKind.GetAsOf, Namespace(@namespace), agentId, key, CommitTs: commitTs), ct).ConfigureAwait(false);
        return ToStateOrMissing<T>(reply, key);
    }

    /// <summary>Every existing key of the agent starting with <paramref name="prefix"/>, in lexicographic order, read page by page.</summary>
    public async IAsyncEnumerable<string> ListKeysAsync(
        string agentId, string prefix = "", int pageSize = 0, string? @namespace = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string? afterKey = null;
        do
        {
            var page = await ListKeysPageAsync(agentId, prefix, afterKey, pageSize, @namespace, ct).ConfigureAwait(false);
            foreach (var key in page.Keys)
            {
                yield return key;
            }

            afterKey = NextPageKey(afterKey, page.NextKey);
        }
        while (afterKey is not null);
    }

    /// <summary>One page of <see cref="ListKeysAsync"/>: keys after <paramref name="afterKey"/> (null: from the start); <paramref name="limit"/> 0 = the worker's default page size.</summary>
    public async Task<KeyPage> ListKeysPageAsync(
        string agentId, string prefix = "", string? afterKey = null, int limit = 0, string? @namespace = null, CancellationToken ct = default)
    {
        RequirePage(agentId, prefix, limit);
        var reply = await ReadAsync(
            new ReadRequest(WireFormat.SchemaVersion, ReadKind.ListKeys, Namespace(@namespace), agentId, Prefix: prefix, AfterKey: afterKey, Limit: limit),
            ct).ConfigureAwait(false);
        ThrowIfError(reply);
        return new KeyPage(reply.Keys ?? [], reply.NextKey);
    }

    /// <summary>
    /// Every agent of <paramref name="namespace"/> (default: the client's) that has at least one existing record and whose
    /// id starts with <paramref name="prefix"/>, in the order of the ids' UTF-8 bytes, read page by page
    /// (<paramref name="pageSize"/> agents per request, 0 = the worker's default). Pages are read one after another, not
    /// from one snapshot: an agent created or emptied meanwhile may or may not be listed.
    /// </summary>
    public async IAsyncEnumerable<string> ListAgentsAsync(
        string prefix = "", int pageSize = 0, string? @namespace = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string? afterAgent = null;
        do
        {
            var page = await ListAgentsPageAsync(prefix, afterAgent, pageSize, @namespace, ct).ConfigureAwait(false);
            foreach (var agentId in page.Keys)
            {
                yield return agentId;
            }

            afterAgent = NextPageKey(afterAgent, page.NextKey);
        }
        while (afterAgent is not null);
    }

    /// <summary>
    /// One page of <see cref="ListAgentsAsync"/>: agent ids after <paramref name="afterAgent"/> (null: from the start) in
    /// <see cref="KeyPage.Keys"/>, and the agent to continue after in <see cref="KeyPage.NextKey"/> (null: no more).
    /// </summary>
    public async Task<KeyPage> ListAgentsPageAsync(
        string prefix = "", string? afterAgent = null, int limit = 0, string? @namespace = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var reply = await ReadAsync(
            new ReadRequest(WireFormat.SchemaVersion, ReadKind.ListAgents, Namespace(@namespace), Prefix: prefix, AfterKey: afterAgent, Limit: limit),
            ct).ConfigureAwait(false);
        ThrowIfError(reply);
        return new KeyPage(reply.Keys ?? [], reply.NextKey);
    }

    /// <summary>Every existing record of the agent whose key starts with <paramref name="prefix"/>, in key order, read page by page.</summary>
    public async IAsyncEnumerable<ScanEntry<T>> ScanPrefixAsync<T>(
        string agentId, string prefix = "", int pageSize = 0, string? @namespace = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string? afterKey = null;
        do
        {
            var page = await ScanPrefixPageAsync<T>(agentId, prefix, afterKey, pageSize, @namespace, ct).ConfigureAwait(false);
            foreach (var entry in page.Entries)
            {
                yield return entry;
            }

            afterKey = NextPageKey(afterKey, page.NextKey);
        }
        while (afterKey is not null);
    }

    /// <summary>One page of <see cref="ScanPrefixAsync{T}"/>: records after <paramref name="afterKey"/> (null: from the start).</summary>
    public async Task<ScanPage<T>> ScanPrefixPageAsync<T>(
        string agentId, string prefix = "", string? afterKey = null, int limit = 0, string? @namespace = null, CancellationToken ct = default)
    {
        RequirePage(agentId, prefix, limit);
        var reply = await ReadAsync(
            new ReadRequest(WireFormat.SchemaVersion, ReadKind.ScanPrefix, Namespace(@namespace), agentId, Prefix: prefix, AfterKey: afterKey, Limit: limit),
            ct).ConfigureAwait(false);
        ThrowIfError(reply);
        var entries = (reply.Records ?? []).Select(r => new ScanEntry<T>(r.Key, ToState<T>(r, r.Key))).ToList();
        return new ScanPage<T>(entries, reply.NextKey);
    }

    /// <summary>
    /// The agent's history in commit order: every committed transaction with <paramref name="startTs"/> ≤ commit_ts ≤
    /// <paramref name="endTs"/> (0 = unbounded) that touched the agent, with only that agent's operations; read page by page.
    /// </summary>
    /// <exception cref="StatehouseHistoryPrunedException">
    /// A page starts below the namespace's history horizon (HISTORY_PRUNED, with the horizon): retention pruned part of the
    /// range, so the replay stops rather than silently starting later. Replay from <see cref="StatehouseHistoryPrunedException.Horizon"/>.
    /// </exception>
    public IAsyncEnumerable<ReplayEvent> ReplayAsync(
        string agentId, long startTs = 0, long endTs = 0, int pageSize = 0, string? @namespace = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        return ReplayPagesAsync(from => ReplayPageAsync(agentId, from, endTs, pageSize, @namespace, ct), startTs, ct);
    }

    /// <summary>
    /// The namespace's history in commit order: every committed transaction of <paramref name="namespace"/> (null: the
    /// client's) with <paramref name="startTs"/> ≤ commit_ts ≤ <paramref name="endTs"/> (0 = unbounded), with all its
    /// operations, each naming its agent (<see cref="ReplayOperation.AgentId"/>; <see cref="ReplayEvent.AgentId"/> is
    /// empty); read page by page (a page also ends after the worker looked at 10,000 transactions of other namespaces).
    /// </summary>
    /// <exception cref="StatehouseInvalidRequestException">A worker that predates the namespace-wide replay (agent_id missing).</exception>
    public IAsyncEnumerable<ReplayEvent> ReplayNamespaceAsync(
        long startTs = 0, long endTs = 0, int pageSize = 0, string? @namespace = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startTs);
        ArgumentOutOfRangeException.ThrowIfNegative(endTs);
        ArgumentOutOfRangeException.ThrowIfNegative(pageSize);
        var ns = Namespace(@namespace);
        return ReplayPagesAsync(from => ReadReplayPageAsync(ns, "", from, endTs, pageSize, 0, ct), startTs, ct);
    }

    /// <summary>One page of <see cref="ReplayAsync"/>; <paramref name="limit"/> = events per page (0 = the worker's default).</summary>
    public Task<ReplayPage> ReplayPageAsync(
        string agentId, long startTs = 0, long endTs = 0, int limit = 0, string? @namespace = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ArgumentOutOfRangeException.ThrowIfNegative(startTs);
        ArgumentOutOfRangeException.ThrowIfNegative(endTs);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return ReadReplayPageAsync(Namespace(@namespace), agentId, startTs, endTs, limit, 0, ct);
    }

    /// <summary>
    /// Follows the commits of <paramref name="filter"/> (one agent, or a whole namespace): every committed transaction
    /// with commit_ts &gt; <paramref name="afterCommitTs"/> (exclusive; 0 = from the first commit), first those already
    /// in the store, then each new one as it commits, in commit_ts order, each exactly once, until
    /// <paramref name="ct"/> is cancelled (the enumeration then throws <see cref="OperationCanceledException"/>) or the
    /// caller stops enumerating. An agent's events hold only its operations (as <see cref="ReplayAsync"/>); a namespace's
    /// hold every operation, each naming its agent (<see cref="ReplayOperation.AgentId"/>), and an empty
    /// <see cref="ReplayEvent.AgentId"/>. To resume after a crash, pass the last delivered <see cref="ReplayEvent.CommitTs"/>.
    /// <para>
    /// The events come from the worker's replay reads only (each page one snapshot, a consistent prefix of history); the
    /// commit announcements on <c>&lt;prefix&gt;.commits</c> only wake the follower, and without one it reads again
    /// every <see cref="StatehouseClientOptions.FollowPollInterval"/>, so a lost announcement delays a commit, never drops
    /// it. A broker connection loss (the client recovers it and subscribes again) and a worker failover (reads go to
    /// whichever worker answers; a replica waits until it has the highest commit_ts announced) are waited out: reads that
    /// time out, NOT_CAUGHT_UP and STORAGE_ERROR are tried again, logged as warnings.
    /// </para>
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="filter"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterCommitTs"/> is negative or <see cref="long.MaxValue"/>.</exception>
    /// <exception cref="StatehouseException">While enumerating: a read refused for good (INVALID_REQUEST, UNAUTHORIZED, and
    /// <see cref="StatehouseUnavailableException"/> when the broker has no read queue under the prefix).</exception>
    /// <exception cref="StatehouseHistoryPrunedException">While enumerating: the next commit to deliver lies below the namespace's
    /// history horizon (retention pruned it; the follower fell that far behind or started there): it stops rather than
    /// skip commits; <see cref="StatehouseHistoryPrunedException.Horizon"/> says where history is complete again.</exception>
    public IAsyncEnumerable<ReplayEvent> FollowAsync(FollowFilter filter, long afterCommitTs = 0, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegative(afterCommitTs);
        // Nothing can come after it, and the first read would start at afterCommitTs + 1, which overflows.
        ArgumentOutOfRangeException.ThrowIfEqual(afterCommitTs, long.MaxValue);
        return FollowCoreAsync(filter, afterCommitTs, ct);
    }

    /// <summary>
    /// Forks <paramref name="sourceAgentId"/> at <paramref name="atCommitTs"/> into <paramref name="targetAgentId"/>, in one
    /// transaction that the worker decides: the target gets every live key of the source as it was right after that
    /// commit_ts (values byte-identical, each a new version of the target's record) and the provenance note
    /// <see cref="ForkNote.ReservedKey"/> (<see cref="GetForkNoteAsync"/>). The source is not changed; replay of a new
    /// target starts with the fork. The target must have no live keys, unless <paramref name="replace"/>: then the client
    /// reads the target's live keys and their versions first, and the fork deletes exactly those (CONFLICT when the
    /// target changed in between; read again and retry). Both agents are in <paramref name="namespace"/>.
    /// </summary>
    /// <returns>The fork's commit_ts and the new version of every target record it wrote or deleted.</returns>
    /// <exception cref="ArgumentException">An agent id is empty, or both are the same.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="atCommitTs"/> is not positive.</exception>
    /// <exception cref="StatehouseConflictException">The target has live keys (or, with <paramref name="replace"/>, other
    /// ones than were read); nothing was written.</exception>
    /// <exception cref="StatehouseInvalidRequestException"><paramref name="atCommitTs"/> is beyond the last commit_ts, or the
    /// fork would write more records than a transaction may (the worker's <c>Statehouse:Limits:MaxOperations</c>).</exception>
    /// <exception cref="StatehousePayloadTooLargeException">The source's values exceed the worker's <c>MaxMessageBytes</c>.</exception>
    /// <exception cref="StatehouseHistoryPrunedException">
    /// History retention pruned a version the source's state as of <paramref name="atCommitTs"/> needs (HISTORY_PRUNED;
    /// the message names the horizon, <see cref="StatehouseHistoryPrunedException.Horizon"/> is 0 for a commit reply).
    /// </exception>
    public async Task<CommitResult> ForkAsync(
        string sourceAgentId, long atCommitTs, string targetAgentId, bool replace = false, string? @namespace = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceAgentId);
        ArgumentException.ThrowIfNullOrEmpty(targetAgentId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(atCommitTs);
        if (sourceAgentId == targetAgentId)
        {
            throw new ArgumentException($"An agent cannot be forked into itself ('{sourceAgentId}'); name another target.", nameof(targetAgentId));
        }

        var ns = Namespace(@namespace);
        var operations = new List<Operation>();
        if (replace)
        {
            string? afterKey = null;
            do
            {
                var reply = await ReadAsync(
                    new ReadRequest(WireFormat.SchemaVersion, ReadKind.ScanPrefix, ns, targetAgentId, AfterKey: afterKey), ct).ConfigureAwait(false);
                ThrowIfError(reply);
                operations.AddRange((reply.Records ?? []).Select(r => Operation.Expect(targetAgentId, r.Key, r.Version)));
                afterKey = NextPageKey(afterKey, reply.NextKey);
            }
            while (afterKey is not null);
        }

        operations.Add(Operation.Fork(targetAgentId, sourceAgentId, atCommitTs));
        return await CommitAsync(ns, Guid.NewGuid().ToString("N"), operations, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Where the agent's state was forked from: the note its last fork wrote under <see cref="ForkNote.ReservedKey"/>, or
    /// null when it has none (never forked, or the note was deleted).
    /// </summary>
    /// <exception cref="StatehouseException">The value under the reserved key is not a fork note (INTERNAL_ERROR): not a map of the
    /// note's fields, or one that lacks one (an application wrote the key).</exception>
    public async Task<ForkNote?> GetForkNoteAsync(string agentId, string? @namespace = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        var reply = await ReadAsync(
            new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, Namespace(@namespace), agentId, ForkNote.ReservedKey), ct).ConfigureAwait(false);
        if (reply.ErrorCode == ErrorCode.KeyNotFound)
        {
            return null;
        }

        ThrowIfError(reply);
        var record = RequireRecordIn(reply);
        if (!record.Exists || record.Value is null)
        {
            return null;
        }

        ForkNote note;
        try
        {
            note = WireFormat.Deserialize<ForkNote>(record.Value);
        }
        catch (MessagePackSerializationException e)
        {
            throw new StatehouseException(ErrorCode.InternalError,
                $"The value of '{ForkNote.ReservedKey}' of agent '{agentId}' is not a fork note: {e.Message}", null, e);
        }

        // A map that lacks fields decodes with nulls and zeros: an application wrote the reserved key, not a fork.
        return note is { SourceAgent.Length: > 0, Namespace.Length: > 0, TxnId.Length: > 0, CommitTs: > 0 }
            ? note
            : throw new StatehouseException(ErrorCode.InternalError,
                $"The value of '{ForkNote.ReservedKey}' of agent '{agentId}' is not a fork note: it needs a non-empty source_agent, namespace and "
                + "txn_id and a commit_ts of 1 or more (a fork writes them; an application should not write this key)", null);
    }

    /// <summary>The worker's health: whether it can commit, its last commit_ts, and why not when unhealthy.</summary>
    public async Task<HealthReport> HealthAsync(CancellationToken ct = default)
    {
        var reply = await ReadAsync(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Health, _options.Namespace), ct).ConfigureAwait(false);
        return reply.Health ?? throw StatehouseErrors.FromReply(reply.ErrorCode == ErrorCode.None ? ErrorCode.InternalError : reply.ErrorCode,
            reply.ErrorMessage ?? "The worker's health reply carried no report.");
    }

    /// <summary>The worker's version string.</summary>
    public async Task<string> ServerVersionAsync(CancellationToken ct = default)
    {
        var reply = await ReadAsync(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Version, _options.Namespace), ct).ConfigureAwait(false);
        ThrowIfError(reply);
        return reply.Health?.ServerVersion
            ?? throw new StatehouseException(ErrorCode.InternalError, "The worker's version reply carried no version.");
    }

    /// <summary>The worker's counters since it started (commits, rejections, duplicates, dead letters, synced writes, reads).</summary>
    public async Task<WorkerStats> StatsAsync(CancellationToken ct = default)
    {
        var reply = await ReadAsync(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Stats, _options.Namespace), ct).ConfigureAwait(false);
        ThrowIfError(reply);
        return reply.Stats ?? throw new StatehouseException(ErrorCode.InternalError, "The worker's stats reply carried no counters.");
    }

    /// <summary>
    /// Asks the worker for an online backup: a consistent checkpoint of its whole store, taken while commits continue,
    /// written under the worker's <c>Statehouse:Backup:Directory</c> (on the worker's machine) and recorded with the
    /// commit_ts it is consistent at. With authorization on, only a user granted every namespace ("*") may do this.
    /// </summary>
    public async Task<BackupInfo> BackupAsync(string? name = null, CancellationToken ct = default)
    {
        var request = new ReadRequest(WireFormat.SchemaVersion, ReadKind.Backup, _options.Namespace, Key: name ?? "");
        var reply = await ReadAsync(request, ct).ConfigureAwait(false);
        ThrowIfError(reply);
        return reply.Backup ?? throw new StatehouseException(ErrorCode.InternalError, "The worker's backup reply carried no backup.");
    }

    /// <summary>Closes the connection; requests still waiting fail with <see cref="ObjectDisposedException"/>.</summary>
    public ValueTask DisposeAsync() => _link.DisposeAsync();

    /// <summary>Replay pages from <paramref name="startTs"/> on, following each page's next start until none.</summary>
    private static async IAsyncEnumerable<ReplayEvent> ReplayPagesAsync(
        Func<long, Task<ReplayPage>> readPage, long startTs, [EnumeratorCancellation] CancellationToken ct)
    {
        var from = startTs;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var page = await readPage(from).ConfigureAwait(false);
            foreach (var replayed in page.Events)
            {
                yield return replayed;
            }

            if (page.NextStartTs == 0)
            {
                yield break;
            }

            if (page.NextStartTs <= from)
            {
                throw new StatehouseException(ErrorCode.InternalError, $"The worker's replay page did not advance (next start {page.NextStartTs} after start {from}).");
            }

            from = page.NextStartTs;
        }
    }

    private async IAsyncEnumerable<ReplayEvent> FollowCoreAsync(FollowFilter filter, long afterCommitTs, [EnumeratorCancellation] CancellationToken ct)
    {
        var ns = Namespace(filter.Namespace);
        var wakeups = new FollowWakeups(_options.TimeProvider);
        var pollInterval = _options.FollowPollInterval;
        // Subscribed before the first read, so no commit after that read goes unannounced to this follower.
        await using var announcements = await CommitAnnouncements.StartAsync(
            _link, _names.CommitsExchange, filter.AgentId, wakeups, _logger, pollInterval, ct).ConfigureAwait(false);
        var loop = new FollowLoop(
            async (from, minCommitTs, readCt) =>
            {
                await announcements.EnsureSubscribedAsync(readCt).ConfigureAwait(false);
                return await ReadReplayPageAsync(ns, filter.AgentId ?? "", from, 0, 0, minCommitTs, readCt).ConfigureAwait(false);
            },
            wakeups, pollInterval, _logger, filter.ToString());
        await foreach (var followed in loop.RunAsync(afterCommitTs, ct).ConfigureAwait(false))
        {
            yield return followed;
        }
    }

    /// <summary>A replay page of <paramref name="agentId"/>, or of the whole namespace when it is empty, read with at least <paramref name="minCommitTs"/>.</summary>
    private async Task<ReplayPage> ReadReplayPageAsync(string ns, string agentId, long startTs, long endTs, int limit, long minCommitTs, CancellationToken ct)
    {
        var reply = await ReadAsync(
            new ReadRequest(WireFormat.SchemaVersion, ReadKind.Replay, ns, agentId, Limit: limit, StartTs: startTs, EndTs: endTs), ct, minCommitTs).ConfigureAwait(false);
        ThrowIfError(reply);
        var valueOptions = _options.ValueSerializerOptions;
        var events = (reply.Events ?? [])
            .Select(e => new ReplayEvent(
                e.TxnId,
                e.CommitTs,
                e.AgentId,
                e.Operations.Select(o => new ReplayOperation(o.AgentId ?? e.AgentId, o.Key, o.Kind, o.Version, AsMemory(o.Value), valueOptions)).ToList()))
            .ToList();
        return new ReplayPage(events, reply.NextStartTs);
    }

    internal async Task<CommitResult> CommitAsync(string @namespace, string txnId, IReadOnlyList<Operation> operations, CancellationToken ct)
    {
        var deadline = _options.TimeProvider.GetUtcNow().Add(_options.EffectiveCommitDeadline()).ToUnixTimeMilliseconds();
        var envelope = new CommitEnvelope(WireFormat.SchemaVersion, txnId, @namespace, operations, deadline);
        var body = WireFormat.Serialize(envelope);
        if (body.Length > _options.MaxMessageBytes)
        {
            // Refused here: the broker would close the channel over it (max_message_size) or the worker dead-letter it.
            throw new StatehousePayloadTooLargeException(
                $"The transaction is {body.Length} bytes as a message; at most {_options.MaxMessageBytes} are sent (MaxMessageBytes). Nothing was published.",
                txnId);
        }

        var request = new BrokerRequest(
            _names.CommitQueue, "commit", txnId, body, _options.CommitTimeout, _options.MaxCommitAttempts, Persistent: true, txnId,
            deadline == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(deadline));
        var replyBody = await _link.SendAsync(request, ct).ConfigureAwait(false);
        var reply = Decode<CommitReply>(replyBody, txnId);
        if (reply.Status == CommitStatus.Committed)
        {
            Seen(reply.CommitTs);
            return new CommitResult(txnId, reply.CommitTs, reply.Versions);
        }

        throw StatehouseErrors.FromReply(reply.ErrorCode, reply.ErrorMessage, txnId, reply.Conflicts);
    }

    /// <summary>
    /// Sends <paramref name="read"/>, a record read with <see cref="HighestSeenCommitTs"/> (or <paramref name="minCommitTs"/>
    /// when higher) as its min_commit_ts, and
    /// returns the reply. NOT_CAUGHT_UP (the worker had not applied that far) is asked again, by a new request that any
    /// worker may take, until <see cref="StatehouseClientOptions.ReadTimeout"/> × <see cref="StatehouseClientOptions.MaxReadAttempts"/>
    /// have passed since the first; then it throws <see cref="StatehouseNotCaughtUpException"/>.
    /// </summary>
    private async Task<ReadReply> ReadAsync(ReadRequest read, CancellationToken ct, long minCommitTs = 0)
    {
        var workerWide = read.Kind is ReadKind.Health or ReadKind.Version or ReadKind.Stats or ReadKind.Backup;
        var body = WireFormat.Serialize(workerWide ? read : read with { MinCommitTs = Math.Max(HighestSeenCommitTs, minCommitTs) });
        var time = _options.TimeProvider;
        var started = time.GetTimestamp();
        var budget = _options.ReadTimeout * _options.MaxReadAttempts;
        while (true)
        {
            var request = new BrokerRequest(
                _names.ReadQueue, "read", Guid.NewGuid().ToString("N"), body, _options.ReadTimeout, _options.MaxReadAttempts, Persistent: false, null);
            var reply = Decode<ReadReply>(await _link.SendAsync(request, ct).ConfigureAwait(false), null);
            if (reply.ErrorCode != ErrorCode.NotCaughtUp)
            {
                Seen(reply);
                return reply;
            }

            var waited = time.GetElapsedTime(started);
            if (waited >= budget)
            {
                throw StatehouseErrors.FromReply(reply.ErrorCode,
                    $"{reply.ErrorMessage} (asked for {waited.TotalSeconds:0.#} s, ReadTimeout × MaxReadAttempts)");
            }

            Log.NotCaughtUp(_logger, request.CorrelationId, reply.ErrorMessage);
            await Task.Delay(s_notCaughtUpPause, time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>With read-your-writes on, raises <see cref="HighestSeenCommitTs"/> to the highest commit_ts in the reply.</summary>
    private void Seen(ReadReply reply)
    {
        var highest = Math.Max(reply.Record?.CommitTs ?? 0, Math.Max(
            reply.Records is { Count: > 0 } records ? records.Max(r => r.CommitTs) : 0,
            reply.Events is { Count: > 0 } events ? events.Max(e => e.CommitTs) : 0));
        Seen(highest);
    }

    /// <summary>With read-your-writes on, raises <see cref="HighestSeenCommitTs"/> to <paramref name="commitTs"/>.</summary>
    private void Seen(long commitTs)
    {
        if (_options.ReadYourWrites)
        {
            Raise(commitTs);
        }
    }

    private void Raise(long commitTs) => Monotonic.Raise(ref _highestSeenCommitTs, commitTs);

    private static T Decode<T>(byte[] body, string? txnId)
    {
        try
        {
            return WireFormat.Deserialize<T>(body);
        }
        catch (MessagePackSerializationException e)
        {
            throw new StatehouseException(ErrorCode.InternalError, $"The worker's reply could not be decoded as {typeof(T).Name}: {e.Message}", txnId, e);
        }
    }

    private StateResult<T> ToStateOrMissing<T>(ReadReply reply, string key)
    {
        if (reply.ErrorCode == ErrorCode.KeyNotFound)
        {
            return new StateResult<T>(key, false, default, 0, 0, null);
        }

        ThrowIfError(reply);
        return ToState<T>(RequireRecordIn(reply), key);
    }

    private StateResult<T> ToState<T>(StateRecord record, string key)
    {
        if (!record.Exists || record.Value is null)
        {
            return new StateResult<T>(key, false, default, record.Version, record.CommitTs, null);
        }

        var value = MessagePackSerializer.Deserialize<T>(record.Value, _options.ValueSerializerOptions);
        return new StateResult<T>(key, true, value, record.Version, record.CommitTs, record.Value);
    }

    /// <summary>
    /// Null stays null. Beware <c>bytes is null ? null : bytes</c>: its type is ReadOnlyMemory (null converts through the
    /// array conversion), so a missing value would become an empty one.
    /// </summary>
    private static ReadOnlyMemory<byte>? AsMemory(byte[]? bytes) => bytes is null ? default(ReadOnlyMemory<byte>?) : bytes;

    private static StateRecord RequireRecordIn(ReadReply reply) =>
        reply.Record ?? throw new StatehouseException(ErrorCode.InternalError, "The worker's reply carried no record.");

    private static void ThrowIfError(ReadReply reply)
    {
        if (reply.ErrorCode != ErrorCode.None)
        {
            throw StatehouseErrors.FromReply(reply.ErrorCode, reply.ErrorMessage, horizon: reply.Horizon);
        }
    }

    private static string? NextPageKey(string? afterKey, string? nextKey)
    {
        if (nextKey is not null && nextKey == afterKey)
        {
            throw new StatehouseException(ErrorCode.InternalError, $"The worker's page did not advance (next key '{nextKey}' again).");
        }

        return nextKey;
    }

    private string Namespace(string? @namespace) => @namespace switch
    {
        null => _options.Namespace,
        "" => throw new ArgumentException("A namespace must not be empty; pass null for the client's default.", nameof(@namespace)),
        _ => @namespace,
    };

    private static void RequirePage(string agentId, string prefix, int limit)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
    }
}
