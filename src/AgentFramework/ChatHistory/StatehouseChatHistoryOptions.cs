using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Statehouse.AgentFramework.ChatHistory;

/// <summary>
/// Where and how <see cref="StatehouseChatHistoryProvider"/> keeps conversations: conversation <c>C</c> is the agent
/// <c><see cref="AgentIdPrefix"/> + C</c> in <see cref="Namespace"/>.
/// </summary>
public sealed class StatehouseChatHistoryOptions
{
    /// <summary>The default <see cref="AgentIdPrefix"/>: conversation <c>c1</c> lives under agent id <c>chat:c1</c>.</summary>
    public const string DefaultAgentIdPrefix = "chat:";

    /// <summary>Statehouse namespace of the conversations; null = the client's default namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>Prefix of every conversation's agent id (may be empty).</summary>
    public string AgentIdPrefix { get; set; } = DefaultAgentIdPrefix;

    /// <summary>
    /// The most messages loaded into an agent's context: the last N of the conversation (default 100); null = all.
    /// Everything stays stored; this bounds only what one invocation reads. Tool results at the start of those N, whose
    /// tool call lies before them, are left out too (chat APIs refuse a tool result without its call), so a call may
    /// see fewer than N. Applied before <see cref="ChatReducer"/>. Named as in the framework's Cosmos DB and Valkey
    /// chat-history providers (microsoft/agent-framework, <c>MaxMessagesToRetrieve</c>).
    /// </summary>
    public int? MaxMessagesToRetrieve { get; set; } = 100;

    /// <summary>Optional reducer (e.g. <c>MessageCountingChatReducer</c>, a summarizer) run on the loaded messages before the agent sees them; the stored history is unchanged.</summary>
    public IChatReducer? ChatReducer { get; set; }

    /// <summary>How many times an append is tried when another writer appended to the same conversation at the same moment (CONFLICT); default 10.</summary>
    public int MaxAppendAttempts { get; set; } = 10;

    /// <summary>Serializer of <see cref="ChatMessage"/> (stored as JSON text); null = <see cref="AIJsonUtilities.DefaultOptions"/>.</summary>
    public JsonSerializerOptions? JsonSerializerOptions { get; set; }

    /// <summary>Key in <c>AgentSession.StateBag</c> that holds a session's conversation id; default <c>StatehouseChatHistoryProvider</c>.</summary>
    public string StateKey { get; set; } = nameof(StatehouseChatHistoryProvider);

    /// <summary>
    /// Applied to the loaded (bounded, reduced) messages before the agent sees them, as the framework's
    /// <c>InMemoryChatHistoryProviderOptions.ProvideOutputMessageFilter</c>; null = no filter.
    /// </summary>
    public Func<IEnumerable<ChatMessage>, IEnumerable<ChatMessage>>? ProvideOutputMessageFilter { get; set; }

    /// <summary>
    /// Applied to an invocation's request messages before they are appended, as the framework's
    /// <c>InMemoryChatHistoryProviderOptions.StorageInputRequestMessageFilter</c>; null = the framework's default, which
    /// leaves out the messages that came from chat history (they are stored already).
    /// </summary>
    public Func<IEnumerable<ChatMessage>, IEnumerable<ChatMessage>>? StorageInputRequestMessageFilter { get; set; }

    /// <summary>
    /// Applied to an invocation's response messages before they are appended, as the framework's
    /// <c>InMemoryChatHistoryProviderOptions.StorageInputResponseMessageFilter</c> (e.g. to keep tool calls and results out
    /// of the stored conversation); null = all are appended.
    /// </summary>
    public Func<IEnumerable<ChatMessage>, IEnumerable<ChatMessage>>? StorageInputResponseMessageFilter { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> (or a subtype) naming the first invalid option.</summary>
    public void Validate()
    {
        if (Namespace is not null && string.IsNullOrWhiteSpace(Namespace))
        {
            throw new ArgumentException("Namespace must be null (the client's default) or a non-empty name.", nameof(Namespace));
        }

        ArgumentNullException.ThrowIfNull(AgentIdPrefix, nameof(AgentIdPrefix));
        if (MaxMessagesToRetrieve is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(MaxMessagesToRetrieve));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxAppendAttempts, nameof(MaxAppendAttempts));
        ArgumentException.ThrowIfNullOrEmpty(StateKey, nameof(StateKey));
    }

    internal StatehouseChatHistoryOptions Clone() => (StatehouseChatHistoryOptions)MemberwiseClone();
}
