using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Statehouse.AgentFramework.Tests.Infrastructure;

/// <summary>
/// A deterministic local <see cref="IChatClient"/> that records the messages of every call, so tests can see what history
/// an agent was given; <see cref="Respond"/> gives the answer. Streaming returns the same answer as updates.
/// </summary>
internal abstract class RecordingChatClient : IChatClient
{
    private readonly ConcurrentQueue<IReadOnlyList<ChatMessage>> _calls = new();

    /// <summary>The messages each call received, in call order.</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>> Calls => [.. _calls];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        _calls.Enqueue(list);
        return Task.FromResult(new ChatResponse(Respond(list, _calls.Count)));
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

    /// <summary>The answer to a call's <paramref name="messages"/>; <paramref name="callNumber"/> counts calls from 1.</summary>
    protected abstract ChatMessage Respond(IReadOnlyList<ChatMessage> messages, int callNumber);
}
