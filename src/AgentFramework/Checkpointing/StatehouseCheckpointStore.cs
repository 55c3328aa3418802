using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Agents.AI.Workflows.Checkpointing;
using Statehouse.Client;
using Statehouse.Client.DependencyInjection;
using Statehouse.Client.Exceptions;

namespace Statehouse.AgentFramework.Checkpointing;

/// <summary>
/// A Microsoft Agent Framework checkpoint store (<see cref="JsonCheckpointStore"/>, i.e.
/// <c>ICheckpointStore&lt;JsonElement&gt;</c>) on Statehouse: pass it to <see cref="CheckpointManager.CreateJson"/>.
/// </summary>
/// <remarks>
/// <para>
/// Layout: workflow session <c>S</c> is the Statehouse agent <c>{AgentIdPrefix}S</c> (default <c>workflow:S</c>) in the
/// configured namespace, so <c>statehouse replay workflow:S</c> shows the session's checkpoints in commit order. Its keys:
/// <c>checkpoints/{id}</c> = <see cref="StatehouseCheckpointRecord"/> (the framework's JSON and the parent id),
/// <c>index/{sequence:D19}</c> = <see cref="StatehouseCheckpointIndexEntry"/> (listing in save order), and
/// <c>head</c> = the index entry of the latest checkpoint.
/// </para>
/// <para>
/// Saving a checkpoint is one Statehouse transaction writing those three keys with an expect-version check on
/// <c>head</c>: the version this store instance last saw for the session (0 = "the session must not exist yet" for a
/// session it never read). It sees a version when it saves a checkpoint and when the framework retrieves one (a
/// restore). Two processes running the same session therefore cannot fork it silently: the second save after the
/// other's fails with <see cref="StatehouseCheckpointConflictException"/> and writes nothing.
/// </para>
/// <para>
/// The framework's store methods take no cancellation token; calls are bounded by the client's read and commit timeouts
/// and fail with the client's exceptions (<see cref="StatehouseException"/> family). Thread-safe.
/// </para>
/// </remarks>
public sealed class StatehouseCheckpointStore : JsonCheckpointStore
{
    internal const string HeadKey = "head";
    internal const string CheckpointPrefix = "checkpoints/";
    internal const string IndexPrefix = "index/";

    private readonly ClientSource _source;
    private readonly StatehouseCheckpointStoreOptions _options;
    private readonly ConcurrentDictionary<string, SeenHead> _seenHeads = new(StringComparer.Ordinal);

    /// <summary>A store over a connected client.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public StatehouseCheckpointStore(StatehouseClient client, StatehouseCheckpointStoreOptions? options = null)
        : this(new ClientSource(client), options)
    {
    }

    /// <summary>A store over the shared client of a <see cref="StatehouseClientProvider"/> (connected on first use).</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public StatehouseCheckpointStore(StatehouseClientProvider clientProvider, StatehouseCheckpointStoreOptions? options = null)
        : this(new ClientSource(clientProvider), options)
    {
    }

    private StatehouseCheckpointStore(ClientSource source, StatehouseCheckpointStoreOptions? options)
    {
        options ??= new StatehouseCheckpointStoreOptions();
        options.Validate();
        _source = source;
        _options = options.Clone();
    }

    /// <summary>The Statehouse agent id that holds workflow session <paramref name="sessionId"/>: the prefix + the session id.</summary>
    public string AgentIdFor(string sessionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        return _options.AgentIdPrefix + sessionId;
    }

    /// <summary>
    /// Saves <paramref name="value"/> (the framework's checkpoint JSON) as a new checkpoint of <paramref name="sessionId"/>
    /// after <paramref name="parent"/>, in one transaction; returns its <see cref="CheckpointInfo"/> (a fresh GUID id).
    /// </summary>
    /// <exception cref="StatehouseCheckpointConflictException">Another writer saved to the session since this store last saw it, or
    /// <paramref name="parent"/> is not the session's head as this store last saw it (the save would branch the session;
    /// unless <see cref="StatehouseCheckpointStoreOptions.AllowBranches"/>); nothing was written.</exception>
    /// <exception cref="StatehouseException">The commit failed otherwise (e.g. PAYLOAD_TOO_LARGE, a timeout).</exception>
    public override async ValueTask<CheckpointInfo> CreateCheckpointAsync(string sessionId, JsonElement value, CheckpointInfo? parent = null)
    {
        var agentId = AgentIdFor(sessionId);
        var client = await _source.GetAsync(CancellationToken.None).ConfigureAwait(false);
        var seen = _seenHeads.TryGetValue(sessionId, out var known) ? known : SeenHead.None;
        var checkpointId = Guid.NewGuid().ToString("N");
        if (!_options.AllowBranches && seen.CheckpointId is not null && parent?.CheckpointId != seen.CheckpointId)
        {
            // The run continues from a checkpoint that is not the session's head (an older one was restored, or another
            // writer saved between reading the latest and restoring it): saving would branch the session.
            throw new StatehouseCheckpointConflictException(sessionId, checkpointId, parent?.CheckpointId, seen.CheckpointId, txnId: null);
        }

        var entry = new StatehouseCheckpointIndexEntry(checkpointId, parent?.CheckpointId, seen.Sequence + 1);

        var transaction = client.BeginTransaction(_options.Namespace)
            .ExpectVersion(agentId, HeadKey, seen.Version)
            .Write(agentId, CheckpointPrefix + checkpointId, new StatehouseCheckpointRecord(checkpointId, entry.ParentCheckpointId, entry.Sequence, value.GetRawText()))
            .Write(agentId, IndexKey(entry.Sequence), entry)
            .Write(agentId, HeadKey, entry);
        CommitResult result;
        try
        {
            result = await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (StatehouseConflictException conflict)
        {
            var head = await TryReadHeadAsync(client, agentId).ConfigureAwait(false);
            throw new StatehouseCheckpointConflictException(sessionId, checkpointId, entry.ParentCheckpointId, head?.CheckpointId, conflict.TxnId, conflict);
        }

        _seenHeads[sessionId] = new SeenHead(result.VersionOf(agentId, HeadKey), entry.Sequence, checkpointId);
        return new CheckpointInfo(sessionId, checkpointId);
    }

    /// <summary>
    /// The checkpoint JSON saved as <paramref name="key"/>. Reading one is a restore: this store then continues the session
    /// from its current head (the version it expects on the next save), and only from it: the next save must name the
    /// head as its parent, so a run restored from an older checkpoint (or from one another writer has since moved past)
    /// gets <see cref="StatehouseCheckpointConflictException"/> on its next save instead of branching the session (unless
    /// <see cref="StatehouseCheckpointStoreOptions.AllowBranches"/>).
    /// </summary>
    /// <exception cref="KeyNotFoundException">The session has no checkpoint with that id.</exception>
    /// <exception cref="InvalidOperationException">The stored JSON is not valid JSON.</exception>
    public override async ValueTask<JsonElement> RetrieveCheckpointAsync(string sessionId, CheckpointInfo key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var agentId = AgentIdFor(sessionId);
        var client = await _source.GetAsync(CancellationToken.None).ConfigureAwait(false);
        var state = await client.GetStateAsync<StatehouseCheckpointRecord>(agentId, CheckpointPrefix + key.CheckpointId, _options.Namespace).ConfigureAwait(false);
        if (!state.Exists || state.Value is null)
        {
            throw new KeyNotFoundException($"Checkpoint '{key.CheckpointId}' of workflow session '{sessionId}' not found (agent '{agentId}').");
        }

        var head = await client.GetStateAsync<StatehouseCheckpointIndexEntry>(agentId, HeadKey, _options.Namespace).ConfigureAwait(false);
        _seenHeads[sessionId] = head.Exists && head.Value is not null
            ? new SeenHead(head.Version, head.Value.Sequence, head.Value.CheckpointId)
            : SeenHead.None;

        try
        {
            using var document = JsonDocument.Parse(state.Value.Json);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"Checkpoint '{key.CheckpointId}' of workflow session '{sessionId}' holds invalid JSON.", e);
        }
    }

    /// <summary>
    /// The session's checkpoints in save order; with <paramref name="withParent"/>, only the checkpoints saved right after
    /// that one. An unknown session gives an empty list.
    /// </summary>
    public override async ValueTask<IEnumerable<CheckpointInfo>> RetrieveIndexAsync(string sessionId, CheckpointInfo? withParent = null)
    {
        var infos = new List<CheckpointInfo>();
        await foreach (var entry in ListCheckpointsAsync(sessionId).ConfigureAwait(false))
        {
            if (withParent is null || entry.ParentCheckpointId == withParent.CheckpointId)
            {
                infos.Add(new CheckpointInfo(sessionId, entry.CheckpointId));
            }
        }

        return infos;
    }

    /// <summary>The session's checkpoint index in save order (sequence 1, 2, ...), read page by page with prefix scans.</summary>
    public async IAsyncEnumerable<StatehouseCheckpointIndexEntry> ListCheckpointsAsync(string sessionId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var agentId = AgentIdFor(sessionId);
        var client = await _source.GetAsync(ct).ConfigureAwait(false);
        await foreach (var entry in client.ScanPrefixAsync<StatehouseCheckpointIndexEntry>(agentId, IndexPrefix, @namespace: _options.Namespace, ct: ct).ConfigureAwait(false))
        {
            if (entry.State.Value is { } value)
            {
                yield return value;
            }
        }
    }

    /// <summary>The session's latest checkpoint (its <c>head</c>), or null when the session has none.</summary>
    public async Task<CheckpointInfo?> GetLatestCheckpointAsync(string sessionId, CancellationToken ct = default)
    {
        var agentId = AgentIdFor(sessionId);
        var client = await _source.GetAsync(ct).ConfigureAwait(false);
        var head = await client.GetStateAsync<StatehouseCheckpointIndexEntry>(agentId, HeadKey, _options.Namespace, ct).ConfigureAwait(false);
        return head.Exists && head.Value is not null ? new CheckpointInfo(sessionId, head.Value.CheckpointId) : null;
    }

    /// <summary>The stored record of one checkpoint (JSON, parent, sequence), or null when the session has no such checkpoint.</summary>
    public async Task<StatehouseCheckpointRecord?> GetCheckpointRecordAsync(string sessionId, string checkpointId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointId);
        var agentId = AgentIdFor(sessionId);
        var client = await _source.GetAsync(ct).ConfigureAwait(false);
        var state = await client.GetStateAsync<StatehouseCheckpointRecord>(agentId, CheckpointPrefix + checkpointId, _options.Namespace, ct).ConfigureAwait(false);
        return state.Exists ? state.Value : null;
    }

    internal static string IndexKey(long sequence) => IndexPrefix + sequence.ToString("D19", CultureInfo.InvariantCulture);

    private async Task<StatehouseCheckpointIndexEntry?> TryReadHeadAsync(StatehouseClient client, string agentId)
    {
        try
        {
            var head = await client.GetStateAsync<StatehouseCheckpointIndexEntry>(agentId, HeadKey, _options.Namespace).ConfigureAwait(false);
            return head.Exists ? head.Value : null;
        }
        catch (StatehouseException)
        {
            // The conflict is the error to report; the head is only detail for its message.
            return null;
        }
    }

    /// <summary>The session's head as this store last saw it: its record version (0 = none), sequence and checkpoint id (null: no head).</summary>
    private readonly record struct SeenHead(long Version, long Sequence, string? CheckpointId)
    {
        public static SeenHead None => new(0, 0, null);
    }
}
