using MessagePack;

namespace Statehouse.AgentFramework.ChatHistory;

/// <summary>
/// One chat message as stored under key <c>messages/{Sequence:D19}</c> of the conversation's agent: its 1-based position
/// in the conversation (gapless), role and text (for reading the history with the CLI) and the full
/// <c>Microsoft.Extensions.AI.ChatMessage</c> as JSON (what the provider reads back).
/// </summary>
[MessagePackObject]
public sealed record StatehouseChatMessageRecord(
    [property: Key("sequence")] long Sequence,
    [property: Key("role")] string Role,
    [property: Key("author_name")] string? AuthorName,
    [property: Key("text")] string Text,
    [property: Key("json")] string Json);
