using Microsoft.Extensions.AI;

namespace Statehouse.AgentFramework.Tests.Infrastructure;

/// <summary>
/// A deterministic local chat client: answers <c>"reply to '{last user text}' after {n} messages"</c>, and records the
/// messages of every call (<see cref="RecordingChatClient.Calls"/>).
/// </summary>
internal sealed class ScriptedChatClient : RecordingChatClient
{
    protected override ChatMessage Respond(IReadOnlyList<ChatMessage> messages, int callNumber)
    {
        var last = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        return new ChatMessage(ChatRole.Assistant, $"reply to '{last}' after {messages.Count} messages");
    }
}
