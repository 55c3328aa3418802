using Microsoft.Extensions.AI;

namespace Statehouse.AgentFramework.Tests.Infrastructure;

/// <summary>
/// A deterministic local chat client that calls a tool: a request ending with a user message gets a
/// <see cref="FunctionCallContent"/> of <c>get_weather</c> for the user's text (call id <c>call{n}</c>), a request ending
/// with the tool's result gets <c>"it is {result}"</c>. Like the OpenAI chat API, it refuses (throws) a request in which
/// a tool result does not follow the assistant message that made that call. Records every call's messages.
/// </summary>
internal sealed class ToolCallingChatClient : RecordingChatClient
{
    protected override ChatMessage Respond(IReadOnlyList<ChatMessage> messages, int callNumber)
    {
        var calledIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            calledIds.UnionWith(message.Contents.OfType<FunctionCallContent>().Select(call => call.CallId));
            if (message.Contents.OfType<FunctionResultContent>().FirstOrDefault(result => !calledIds.Contains(result.CallId)) is { } orphan)
            {
                throw new InvalidOperationException($"invalid request: tool result '{orphan.CallId}' does not follow an assistant message that called it");
            }
        }

        if (messages[^1].Contents.OfType<FunctionResultContent>().FirstOrDefault() is { } toolResult)
        {
            return new ChatMessage(ChatRole.Assistant, $"it is {toolResult.Result}");
        }

        var call = new FunctionCallContent($"call{callNumber}", "get_weather", new Dictionary<string, object?> { ["city"] = messages[^1].Text });
        return new ChatMessage(ChatRole.Assistant, [call]);
    }
}
