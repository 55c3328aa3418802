using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Statehouse.Examples.AgentWorkflow;

/// <summary>
/// A deterministic, local <see cref="IChatClient"/> standing in for a model: no network, no weights. It answers the
/// last user message of three prompt shapes the workflow sends — <c>Plan: question</c> (one topic per line, the
/// known topics the question names, in the order it names them), <c>Research: topic</c> (that topic's note) and
/// <c>Answer: question</c> followed by <c>- finding</c> lines (a summary of them) — and says what it understands for
/// anything else. The same prompt always gets the same answer, so a resumed workflow ends exactly like an
/// uninterrupted one.
/// </summary>
internal sealed class ScriptedChatClient : IChatClient
{
    public const string DefaultQuestion =
        "How do quorum queues, publisher confirms and a synced write batch keep an agent's checkpoint durable?";

    public const string PlanPrefix = "Plan: ";
    public const string ResearchPrefix = "Research: ";
    public const string AnswerPrefix = "Answer: ";
    public const string FindingPrefix = "- ";

    /// <summary>What the "model" knows: topic (as matched in a question, case-insensitively) → its note.</summary>
    private static readonly (string Topic, string Note)[] s_notes =
    [
        ("quorum queue", "a quorum queue keeps every message on a majority of RabbitMQ nodes (Raft) before confirming it"),
        ("publisher confirm", "a publisher confirm arrives only once the broker has stored the persistent message"),
        ("write batch", "a RocksDB WriteBatch written with sync = true is applied atomically and fsynced before the call returns"),
        ("checkpoint", "a workflow checkpoint holds the queued messages and executor state after a superstep"),
        ("single active consumer", "single active consumer lets one worker apply commits while a standby waits"),
    ];

    /// <summary>The known topics, for an error message.</summary>
    public static string KnownTopics => string.Join(", ", s_notes.Select(n => $"'{n.Topic}'"));

    /// <summary>The known topics that <paramref name="question"/> names, in the order it names them.</summary>
    public static IReadOnlyList<string> TopicsOf(string question) =>
        s_notes.Select(n => (n.Topic, At: question.IndexOf(n.Topic, StringComparison.OrdinalIgnoreCase)))
            .Where(t => t.At >= 0)
            .OrderBy(t => t.At)
            .Select(t => t.Topic)
            .ToList();

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Reply(prompt))) { ModelId = "scripted" });
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

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private static string Reply(string prompt)
    {
        if (prompt.StartsWith(PlanPrefix, StringComparison.Ordinal))
        {
            return string.Join('\n', TopicsOf(prompt[PlanPrefix.Length..]));
        }

        if (prompt.StartsWith(ResearchPrefix, StringComparison.Ordinal))
        {
            var topic = prompt[ResearchPrefix.Length..].Trim();
            var note = s_notes.FirstOrDefault(n => string.Equals(n.Topic, topic, StringComparison.OrdinalIgnoreCase)).Note;
            return note ?? $"no notes on '{topic}'";
        }

        if (prompt.StartsWith(AnswerPrefix, StringComparison.Ordinal))
        {
            var findings = prompt.Split('\n')
                .Where(line => line.StartsWith(FindingPrefix, StringComparison.Ordinal))
                .Select(line => line[FindingPrefix.Length..].Trim())
                .ToList();
            return findings.Count == 0
                ? "Nothing was found to answer from."
                : $"In {findings.Count} steps: {string.Join("; ", findings)}.";
        }

        return $"I only answer prompts that start with '{PlanPrefix.Trim()}', '{ResearchPrefix.Trim()}' or '{AnswerPrefix.Trim()}'.";
    }
}
