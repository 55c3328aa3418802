using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Statehouse.AgentFramework.Tests.Infrastructure;

/// <summary>
/// A deterministic local <see cref="IChatClient"/> that calls a tool: a request ending with a user message gets a
/// <see cref="FunctionCallContent"/> of <c>get_weather</c> (call id <c>call{n}</c>), a request ending with the tool's
/// result gets <c>"it is {result}"</c>. Like the OpenAI chat API, it refuses (throws) a request in which a tool result
/// does not follow the assistant message that made that call, and it records every request's messages.
/// </summary>
internal sealed class ToolCallingChatClient : IChatClient
{
    private readonly ConcurrentQueue<IReadOnlyList<ChatMessage>> _calls = new();

    /// <summary>The messages each call received, in call order.</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>> Calls => [.. _calls];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        _calls.Enqueue(list);
        var calledIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in list)
        {
            calledIds.UnionWith(message.Contents.OfType<FunctionCallContent>().Select(call => call.CallId));
            if (message.Contents.OfType<FunctionResultContent>().FirstOrDefault(result => !calledIds.Contains(result.CallId)) is { } orphan)
            {
                throw new InvalidOperationException($"invalid request: tool result '{orphan.CallId}' does not follow an assistant message that called it");
            }
        }

        if (list[^1].Contents.OfType<FunctionResultContent>().FirstOrDefault() is { } toolResult)
        {
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"it is {toolResult.Result}")));
        }

        var call = new FunctionCallContent($"call{_calls.Count}", "get_weather", new Dictionary<string, object?> { ["city"] = list[^1].Text });
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [call])));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
