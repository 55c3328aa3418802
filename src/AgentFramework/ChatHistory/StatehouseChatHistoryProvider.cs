using System.Globalization;
using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Statehouse.Client;
using Statehouse.Client.DependencyInjection;
using Statehouse.Client.Exceptions;

namespace Statehouse.AgentFramework.ChatHistory;

/// <summary>
/// A Microsoft Agent Framework <see cref="ChatHistoryProvider"/> on Statehouse: set it as
/// <c>ChatClientAgentOptions.ChatHistoryProvider</c>, and every agent invocation loads the conversation's last messages
/// and appends the new request and response messages in one transaction.
/// </summary>
/// <remarks>
/// <para>
/// Layout: conversation <c>C</c> is the Statehouse agent <c>{AgentIdPrefix}C</c> (default <c>chat:C</c>); key
/// <c>counter</c> holds the number of messages (a MessagePack integer), key <c>messages/{n:D19}</c> message n
/// (<see cref="StatehouseChatMessageRecord"/>), so key order is conversation order and <c>statehouse replay chat:C</c>
/// shows the appends in commit order.
/// </para>
/// <para>
/// An append reads <c>counter</c>, writes the next sequence numbers and the new count with an expect-version check on
/// <c>counter</c>, and on CONFLICT (another agent appended in between) reads again and retries, up to
/// <see cref="StatehouseChatHistoryOptions.MaxAppendAttempts"/> times. Appends to one conversation are therefore
/// serialized: no message is lost or overwritten, each append's messages stay contiguous and in order.
/// </para>
/// <para>
/// A session's conversation id lives in its <see cref="AgentSession.StateBag"/> under
/// <see cref="StatehouseChatHistoryOptions.StateKey"/>; a session without one gets a fresh GUID on first use, or set one
/// with <see cref="SetConversationId"/> (e.g. to let two agents share a conversation, or to continue one after a restart).
/// </para>
/// </remarks>
public sealed class StatehouseChatHistoryProvider : ChatHistoryProvider
{
    internal const string CounterKey = "counter";
    internal const string MessagePrefix = "messages/";

    private readonly ClientSource _source;
    private readonly StatehouseChatHistoryOptions _options;
    private readonly JsonSerializerOptions _json;
    private readonly JsonSerializerOptions _storedJson;

    /// <summary>A provider over a connected client.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public StatehouseChatHistoryProvider(StatehouseClient client, StatehouseChatHistoryOptions? options = null)
        : this(new ClientSource(client), Checked(options))
    {
    }

    /// <summary>A provider over the shared client of a <see cref="StatehouseClientProvider"/> (connected on first use).</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public StatehouseChatHistoryProvider(StatehouseClientProvider clientProvider, StatehouseChatHistoryOptions? options = null)
        : this(new ClientSource(clientProvider), Checked(options))
    {
    }

    private StatehouseChatHistoryProvider(ClientSource source, StatehouseChatHistoryOptions options)
        : base(options.ProvideOutputMessageFilter, options.StorageInputRequestMessageFilter, options.StorageInputResponseMessageFilter)
    {
        _source = source;
        _options = options;
        _json = _options.JsonSerializerOptions ?? AIJsonUtilities.DefaultOptions;

        // AIJsonUtilities.DefaultOptions indents; the stored JSON is for this provider to read back (people read the
        // record's role and text), so it is written compactly: about a third fewer bytes per message.
        _storedJson = _json;
        if (_json.WriteIndented)
        {
            _storedJson = new JsonSerializerOptions(_json) { WriteIndented = false };
            _storedJson.MakeReadOnly(populateMissingResolver: true);
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> StateKeys => [_options.StateKey];

    /// <summary>The Statehouse agent id that holds conversation <paramref name="conversationId"/>: the prefix + the id.</summary>
    public string AgentIdFor(string conversationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        return _options.AgentIdPrefix + conversationId;
    }

    /// <summary>The conversation id of <paramref name="session"/>, assigning a fresh GUID if it has none yet.</summary>
    public string GetConversationId(AgentSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.StateBag.TryGetValue<string>(_options.StateKey, out var id, _json) && !string.IsNullOrEmpty(id))
        {
            return id;
        }

        id = Guid.NewGuid().ToString("N");
        session.StateBag.SetValue(_options.StateKey, id, _json);
        return id;
    }

    /// <summary>Binds <paramref name="session"/> to conversation <paramref name="conversationId"/> (an existing one is continued).</summary>
    public void SetConversationId(AgentSession session, string conversationId)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        session.StateBag.SetValue(_options.StateKey, conversationId, _json);
    }

    /// <summary>
    /// Appends <paramref name="messages"/> (in the given order, contiguously) to the conversation in one transaction and
    /// returns the sequence number of the last one (the conversation's new message count); an empty list appends nothing.
    /// </summary>
    /// <exception cref="StatehouseConflictException">Other writers kept appending: every one of the attempts conflicted. Nothing of this call was written.</exception>
    /// <exception cref="StatehouseException">A read or the commit failed otherwise (e.g. PAYLOAD_TOO_LARGE, a timeout).</exception>
    public async Task<long> AppendMessagesAsync(string conversationId, IEnumerable<ChatMessage> messages, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var agentId = AgentIdFor(conversationId);
        var batch = messages.ToList();
        var client = await _source.GetAsync(ct).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var counter = await client.GetStateAsync<long>(agentId, CounterKey, _options.Namespace, ct).ConfigureAwait(false);
            var count = counter.Exists ? counter.Value : 0;
            if (batch.Count == 0)
            {
                return count;
            }

            var transaction = client.BeginTransaction(_options.Namespace).ExpectVersion(agentId, CounterKey, counter.Version);
            for (var i = 0; i < batch.Count; i++)
            {
                transaction.Write(agentId, MessageKey(count + 1 + i), ToRecord(count + 1 + i, batch[i]));
            }

            transaction.Write(agentId, CounterKey, count + batch.Count);
            try
            {
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return count + batch.Count;
            }
            catch (StatehouseConflictException) when (attempt < _options.MaxAppendAttempts)
            {
                // Another writer appended between our read and commit; spread the retries so two agents do not collide again.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The conversation's last <paramref name="maxCount"/> messages (null = all) in conversation order, as of one count of
    /// the conversation (messages appended while reading are not included). No reducer is applied.
    /// </summary>
    public async Task<IReadOnlyList<ChatMessage>> GetMessagesAsync(string conversationId, int? maxCount = null, CancellationToken ct = default)
    {
        var records = await GetRecordsAsync(conversationId, maxCount, ct).ConfigureAwait(false);
        return records.Select(FromRecord).ToList();
    }

    /// <summary>The stored records (sequence, role, text, JSON) of the conversation's last <paramref name="maxCount"/> messages (null = all), in order.</summary>
    public async Task<IReadOnlyList<StatehouseChatMessageRecord>> GetRecordsAsync(string conversationId, int? maxCount = null, CancellationToken ct = default)
    {
        var agentId = AgentIdFor(conversationId);
        if (maxCount is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(maxCount));
        }

        var client = await _source.GetAsync(ct).ConfigureAwait(false);
        var counter = await client.GetStateAsync<long>(agentId, CounterKey, _options.Namespace, ct).ConfigureAwait(false);
        var count = counter.Exists ? counter.Value : 0;
        var first = maxCount is { } limit ? Math.Max(1, count - limit + 1) : 1;
        var records = new List<StatehouseChatMessageRecord>((int)Math.Min(count - first + 1, 1024));
        string? afterKey = first > 1 ? MessageKey(first - 1) : null;
        while (count >= first && records.Count < count - first + 1)
        {
            var page = await client.ScanPrefixPageAsync<StatehouseChatMessageRecord>(
                agentId, MessagePrefix, afterKey, 0, _options.Namespace, ct).ConfigureAwait(false);
            foreach (var entry in page.Entries)
            {
                if (entry.State.Value is not { } record || record.Sequence > count)
                {
                    return records;
                }

                records.Add(record);
            }

            if (page.NextKey is null || page.Entries.Count == 0)
            {
                break;
            }

            afterKey = page.NextKey;
        }

        return records;
    }

    /// <summary>
    /// Loads the session's conversation: the last <see cref="StatehouseChatHistoryOptions.MaxMessagesToRetrieve"/> messages
    /// less any tool results at their start (their tool call lies before the bound), then the reducer if one is set.
    /// </summary>
    protected override async ValueTask<IEnumerable<ChatMessage>> ProvideChatHistoryAsync(InvokingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = context.Session ?? throw new InvalidOperationException($"{nameof(StatehouseChatHistoryProvider)} needs an agent session to know the conversation.");
        var loaded = await GetMessagesAsync(GetConversationId(session), _options.MaxMessagesToRetrieve, cancellationToken).ConfigureAwait(false);

        // A tool result without the assistant message that made its call is an invalid request to chat APIs (OpenAI answers
        // 400), so the bound never starts the context inside a tool call's results.
        IEnumerable<ChatMessage> messages = loaded.SkipWhile(message => message.Contents.OfType<FunctionResultContent>().Any());
        if (_options.ChatReducer is { } reducer)
        {
            messages = await reducer.ReduceAsync(messages, cancellationToken).ConfigureAwait(false);
        }

        return messages;
    }

    /// <summary>Appends the invocation's request and response messages to the session's conversation in one transaction.</summary>
    protected override async ValueTask StoreChatHistoryAsync(InvokedContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var session = context.Session ?? throw new InvalidOperationException($"{nameof(StatehouseChatHistoryProvider)} needs an agent session to know the conversation.");
        await AppendMessagesAsync(GetConversationId(session), context.RequestMessages.Concat(context.ResponseMessages ?? []), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A validated copy of <paramref name="options"/> (the defaults for null), so later changes to it have no effect.</summary>
    private static StatehouseChatHistoryOptions Checked(StatehouseChatHistoryOptions? options)
    {
        options ??= new StatehouseChatHistoryOptions();
        options.Validate();
        return options.Clone();
    }

    internal static string MessageKey(long sequence) => MessagePrefix + sequence.ToString("D19", CultureInfo.InvariantCulture);

    private StatehouseChatMessageRecord ToRecord(long sequence, ChatMessage message) =>
        new(sequence, message.Role.Value, message.AuthorName, message.Text, JsonSerializer.Serialize(message, _storedJson.GetTypeInfo(typeof(ChatMessage))));

    private ChatMessage FromRecord(StatehouseChatMessageRecord record)
    {
        try
        {
            return (ChatMessage?)JsonSerializer.Deserialize(record.Json, _json.GetTypeInfo(typeof(ChatMessage)))
                ?? throw new InvalidOperationException($"Chat message {record.Sequence} is JSON null.");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"Chat message {record.Sequence} holds JSON that is not a ChatMessage.", e);
        }
    }
}
