using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Statehouse.AgentFramework.ChatHistory;
using Statehouse.AgentFramework.Tests.Infrastructure;
using Statehouse.Client.Exceptions;
using Xunit.Abstractions;

namespace Statehouse.AgentFramework.Tests.ChatHistory;

public sealed class StatehouseChatHistoryProviderTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task AppendMessagesAsync_SeveralAppends_ReadBackInOrderWithGaplessSequences()
    {
        var client = await StartWorkerAndClientAsync();
        var history = new StatehouseChatHistoryProvider(client);

        Assert.Equal(2, await history.AppendMessagesAsync("c1", [new(ChatRole.User, "one"), new(ChatRole.Assistant, "two") { AuthorName = "bot" }], Ct));
        Assert.Equal(2, await history.AppendMessagesAsync("c1", [], Ct));
        Assert.Equal(3, await history.AppendMessagesAsync("c1", [new(ChatRole.User, "three")], Ct));

        var messages = await history.GetMessagesAsync("c1", ct: Ct);
        Assert.Equal(["one", "two", "three"], messages.Select(m => m.Text));
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User], messages.Select(m => m.Role));
        Assert.Equal("bot", messages[1].AuthorName);
        var records = await history.GetRecordsAsync("c1", ct: Ct);
        Assert.Equal([1L, 2L, 3L], records.Select(r => r.Sequence));
        Assert.Equal(["user", "assistant", "user"], records.Select(r => r.Role));
        // Stored compactly: AIJsonUtilities.DefaultOptions writes indented JSON, about a third more bytes per message.
        Assert.All(records, r => Assert.DoesNotContain('\n', r.Json));
        Assert.Equal("""{"role":"user","contents":[{"$type":"text","text":"one"}]}""", records[0].Json);
        Assert.Empty(await history.GetMessagesAsync("never-used", ct: Ct));

        var keys = await client.ListKeysAsync("chat:c1", ct: Ct).ToListAsync(Ct);
        Assert.Equal(["counter", "messages/0000000000000000001", "messages/0000000000000000002", "messages/0000000000000000003"], keys);
        Assert.Equal(2, (await client.ReplayAsync("chat:c1", ct: Ct).ToListAsync(Ct)).Count);
    }

    [Fact]
    public async Task GetMessagesAsync_MaxCount_LoadsOnlyTheLastMessages()
    {
        var client = await StartWorkerAndClientAsync();
        var history = new StatehouseChatHistoryProvider(client);
        for (var i = 1; i <= 12; i++)
        {
            await history.AppendMessagesAsync("c", [new(ChatRole.User, $"m{i}")], Ct);
        }

        Assert.Equal(["m10", "m11", "m12"], (await history.GetMessagesAsync("c", 3, Ct)).Select(m => m.Text));
        Assert.Equal(12, (await history.GetMessagesAsync("c", 50, Ct)).Count);
        Assert.Equal(["m12"], (await history.GetMessagesAsync("c", 1, Ct)).Select(m => m.Text));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => history.GetMessagesAsync("c", 0, Ct));
    }

    [Fact]
    public async Task AppendMessagesAsync_TwoAgentsConcurrentlyOnOneConversation_LoseNothingAndKeepEachBatchContiguous()
    {
        await Scope.StartWorkerAsync();
        var alice = new StatehouseChatHistoryProvider(await Scope.ConnectClientAsync());
        var bob = new StatehouseChatHistoryProvider(await Scope.ConnectClientAsync());
        const int Batches = 15;

        async Task AppendAllAsync(StatehouseChatHistoryProvider history, string who)
        {
            for (var i = 0; i < Batches; i++)
            {
                await history.AppendMessagesAsync("shared", [new(ChatRole.User, $"{who}-{i}-a"), new(ChatRole.Assistant, $"{who}-{i}-b")], Ct);
            }
        }

        await Task.WhenAll(Task.Run(() => AppendAllAsync(alice, "alice")), Task.Run(() => AppendAllAsync(bob, "bob")));

        var records = await alice.GetRecordsAsync("shared", ct: Ct);
        Assert.Equal(Enumerable.Range(1, 4 * Batches).Select(i => (long)i), records.Select(r => r.Sequence));
        var texts = records.Select(r => r.Text).ToList();
        Assert.Equal(texts.Count, texts.Distinct().Count());
        for (var i = 0; i < texts.Count; i += 2)
        {
            Assert.EndsWith("-a", texts[i], StringComparison.Ordinal);
            Assert.Equal(texts[i][..^2] + "-b", texts[i + 1]);
        }

        foreach (var who in new[] { "alice", "bob" })
        {
            Assert.Equal(
                Enumerable.Range(0, Batches).SelectMany(i => new[] { $"{who}-{i}-a", $"{who}-{i}-b" }),
                texts.Where(t => t.StartsWith(who + "-", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task ChatClientAgent_WithProvider_StoresEachTurnAndLoadsBoundedHistoryIntoContext()
    {
        var client = await StartWorkerAndClientAsync();
        var chat = new ScriptedChatClient();
        var history = new StatehouseChatHistoryProvider(client, new StatehouseChatHistoryOptions { MaxMessagesToRetrieve = 3 });
        var agent = new ChatClientAgent(chat, new ChatClientAgentOptions { ChatHistoryProvider = history });
        var session = await agent.CreateSessionAsync(Ct);
        history.SetConversationId(session, "conv-1");

        await agent.RunAsync("first", session, cancellationToken: Ct);
        await agent.RunAsync("second", session, cancellationToken: Ct);
        await agent.RunAsync("third", session, cancellationToken: Ct);

        Assert.Equal(["first"], chat.Calls[0].Select(m => m.Text));
        Assert.Equal(["first", "reply to 'first' after 1 messages", "second"], chat.Calls[1].Select(m => m.Text));
        // Four messages are stored before the third turn; only the last three are loaded, then the new one.
        Assert.Equal(["reply to 'first' after 1 messages", "second", "reply to 'second' after 3 messages", "third"], chat.Calls[2].Select(m => m.Text));
        Assert.Equal(6, (await history.GetMessagesAsync("conv-1", ct: Ct)).Count);

        // A new agent over another client continues the conversation from Statehouse.
        var laterChat = new ScriptedChatClient();
        var laterHistory = new StatehouseChatHistoryProvider(await Scope.ConnectClientAsync(), new StatehouseChatHistoryOptions { MaxMessagesToRetrieve = 100 });
        var laterAgent = new ChatClientAgent(laterChat, new ChatClientAgentOptions { ChatHistoryProvider = laterHistory });
        var laterSession = await laterAgent.CreateSessionAsync(Ct);
        laterHistory.SetConversationId(laterSession, "conv-1");
        await laterAgent.RunAsync("fourth", laterSession, cancellationToken: Ct);
        Assert.Equal(7, laterChat.Calls[0].Count);
        Assert.Equal("first", laterChat.Calls[0][0].Text);
    }

    [Fact]
    public async Task ChatClientAgent_WithReducer_GivesTheAgentTheReducedHistoryAndKeepsAllStored()
    {
        var client = await StartWorkerAndClientAsync();
        var chat = new ScriptedChatClient();
        // MessageCountingChatReducer is marked experimental (MEAI001) in Microsoft.Extensions.AI 10.x; used here as a user would.
#pragma warning disable MEAI001
        var history = new StatehouseChatHistoryProvider(client, new StatehouseChatHistoryOptions { ChatReducer = new MessageCountingChatReducer(2) });
#pragma warning restore MEAI001
        var agent = new ChatClientAgent(chat, new ChatClientAgentOptions { ChatHistoryProvider = history });
        var session = await agent.CreateSessionAsync(Ct);

        for (var i = 1; i <= 3; i++)
        {
            await agent.RunAsync($"turn {i}", session, cancellationToken: Ct);
        }

        Assert.Equal(3, chat.Calls[2].Count);
        Assert.Equal("turn 3", chat.Calls[2][^1].Text);
        Assert.Equal(6, (await history.GetMessagesAsync(history.GetConversationId(session), ct: Ct)).Count);
    }

    [Fact]
    public async Task ChatClientAgent_BoundCutsBetweenAToolCallAndItsResult_LoadsNoToolResultWithoutItsCall()
    {
        var client = await StartWorkerAndClientAsync();
        var chat = new ToolCallingChatClient();
        // Each turn stores four messages: user, assistant (tool call), tool (result), assistant (answer). After two turns
        // the last six begin with the first turn's tool result, whose call lies before the bound.
        var history = new StatehouseChatHistoryProvider(client, new StatehouseChatHistoryOptions { MaxMessagesToRetrieve = 6 });
        var weather = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var agent = new ChatClientAgent(chat, new ChatClientAgentOptions { ChatHistoryProvider = history, ChatOptions = new ChatOptions { Tools = [weather] } });
        var session = await agent.CreateSessionAsync(Ct);

        for (var turn = 1; turn <= 3; turn++)
        {
            Assert.Equal($"it is sunny in city{turn}", (await agent.RunAsync($"city{turn}", session, cancellationToken: Ct)).Text);
        }

        // The third turn's first request: the bound's six messages less the leading orphaned tool result, then the new one.
        Assert.Equal(
            [ChatRole.Assistant, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant, ChatRole.User],
            chat.Calls[4].Select(m => m.Role));
        Assert.Equal(12, (await history.GetMessagesAsync(history.GetConversationId(session), ct: Ct)).Count);
    }

    [Fact]
    public async Task ChatClientAgent_WithMessageFilters_StoresAndProvidesOnlyWhatTheFiltersKeep()
    {
        var client = await StartWorkerAndClientAsync();
        var chat = new ToolCallingChatClient();
        var history = new StatehouseChatHistoryProvider(client, new StatehouseChatHistoryOptions
        {
            // The framework's filters (names as in InMemoryChatHistoryProviderOptions): keep tool traffic out of the stored
            // conversation, and give the model only the user's earlier messages.
            StorageInputResponseMessageFilter = messages => messages.Where(m => m.Role != ChatRole.Tool && !m.Contents.OfType<FunctionCallContent>().Any()),
            ProvideOutputMessageFilter = messages => messages.Where(m => m.Role == ChatRole.User),
        });
        var weather = AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather");
        var agent = new ChatClientAgent(chat, new ChatClientAgentOptions { ChatHistoryProvider = history, ChatOptions = new ChatOptions { Tools = [weather] } });
        var session = await agent.CreateSessionAsync(Ct);

        await agent.RunAsync("city1", session, cancellationToken: Ct);
        await agent.RunAsync("city2", session, cancellationToken: Ct);

        var stored = await history.GetRecordsAsync(history.GetConversationId(session), ct: Ct);
        Assert.Equal(["city1", "it is sunny in city1", "city2", "it is sunny in city2"], stored.Select(r => r.Text));
        Assert.Equal(["city1", "city2"], chat.Calls[2].Select(m => m.Text));
    }

    [Fact]
    public async Task ChatClientAgent_MessageBeyondTheWorkersValueLimit_RunThrowsPayloadTooLargeAndStoresNothingOfTheTurn()
    {
        await Scope.StartWorkerAsync(("Statehouse:Limits:MaxValueBytes", "4096"));
        var history = new StatehouseChatHistoryProvider(await Scope.ConnectClientAsync());
        var agent = new ChatClientAgent(new ScriptedChatClient(), new ChatClientAgentOptions { ChatHistoryProvider = history });
        var session = await agent.CreateSessionAsync(Ct);
        history.SetConversationId(session, "big");
        await agent.RunAsync("small", session, cancellationToken: Ct);

        // 3000 characters fit 4096 bytes once, not as the record's text and JSON together.
        await Assert.ThrowsAsync<StatehousePayloadTooLargeException>(() => agent.RunAsync(new string('x', 3000), session, cancellationToken: Ct));

        Assert.Equal(["small", "reply to 'small' after 1 messages"], (await history.GetMessagesAsync("big", ct: Ct)).Select(m => m.Text));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheOption()
    {
        var options = new StatehouseChatHistoryOptions { MaxMessagesToRetrieve = 0 };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate());
        Assert.Equal(nameof(StatehouseChatHistoryOptions.MaxMessagesToRetrieve), error.ParamName);
    }
}
