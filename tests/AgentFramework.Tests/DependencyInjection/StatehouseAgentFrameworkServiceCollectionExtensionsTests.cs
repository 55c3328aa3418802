using System.Text.Json;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Statehouse.AgentFramework.ChatHistory;
using Statehouse.AgentFramework.Checkpointing;
using Statehouse.AgentFramework.DependencyInjection;
using Statehouse.AgentFramework.Tests.Infrastructure;
using Statehouse.Client.DependencyInjection;
using Xunit.Abstractions;

namespace Statehouse.AgentFramework.Tests.DependencyInjection;

public sealed class StatehouseAgentFrameworkServiceCollectionExtensionsTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task AddStatehouseCheckpointStoreAndChatHistory_WithClient_ResolveWorkingSingletons()
    {
        await Scope.StartWorkerAsync();
        var services = new ServiceCollection()
            .AddStatehouseClient(options => { options.Uri = Scope.BrokerUri; options.QueuePrefix = Scope.Prefix; })
            .AddStatehouseCheckpointStore(options => options.AgentIdPrefix = "di-wf:")
            .AddStatehouseCheckpointStore(options => options.AgentIdPrefix = "ignored:")
            .AddStatehouseChatHistory(options => options.MaxMessagesToRetrieve = 5);
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<StatehouseCheckpointStore>();
        Assert.Same(store, provider.GetRequiredService<StatehouseCheckpointStore>());
        Assert.Equal("di-wf:s", store.AgentIdFor("s"));
        Assert.NotNull(provider.GetRequiredService<CheckpointManager>());
        var saved = await store.CreateCheckpointAsync("s", JsonDocument.Parse("{}").RootElement.Clone());
        Assert.Equal([saved], await store.RetrieveIndexAsync("s"));

        var history = provider.GetRequiredService<StatehouseChatHistoryProvider>();
        await history.AppendMessagesAsync("c", [new(ChatRole.User, "hi")], Ct);
        var client = await provider.GetRequiredService<StatehouseClientProvider>().GetClientAsync(Ct);
        Assert.True((await client.GetStateAsync<long>("chat:c", "counter", ct: Ct)).Exists);
    }

    [Fact]
    public void AddStatehouseCheckpointStore_WithoutClient_FailsSayingWhatToRegister()
    {
        using var provider = new ServiceCollection().AddStatehouseCheckpointStore().BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<StatehouseCheckpointStore>());
        Assert.Contains("AddStatehouseClient", error.Message, StringComparison.Ordinal);
    }
}
