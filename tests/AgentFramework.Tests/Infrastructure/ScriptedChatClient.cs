using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Statehouse.AgentFramework.Tests.Infrastructure;

/// <summary>
/// A deterministic local <see cref="IChatClient"/>: answers <c>"reply to '{last user text}' after {n} messages"</c>, and
/// records the messages of every call so tests can see what history an agent was given.
/// </summary>
internal sealed class ScriptedChatClient : IChatClient
{
    private readonly ConcurrentQueue<IReadOnlyList<ChatMessage>> _calls = new();

    /// <summary>The messages each call received, in call order.</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>> Calls => [.. _calls];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        _calls.Enqueue(list);
        var last = list.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"reply to '{last}' after {list.Count} messages")));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
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
