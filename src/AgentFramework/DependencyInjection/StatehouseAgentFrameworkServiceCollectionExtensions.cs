using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Statehouse.AgentFramework.ChatHistory;
using Statehouse.AgentFramework.Checkpointing;
using Statehouse.Client.DependencyInjection;

namespace Statehouse.AgentFramework.DependencyInjection;

/// <summary>
/// Wiring of the Agent Framework stores into a service collection. Both use the <see cref="StatehouseClientProvider"/>
/// registered by <c>services.AddStatehouseClient(...)</c> (call that too; the client connects on first use). Registered
/// with TryAdd: a second call changes nothing, the first configuration wins.
/// </summary>
public static class StatehouseAgentFrameworkServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="StatehouseCheckpointStore"/> and a singleton <see cref="CheckpointManager"/> over it
    /// (<see cref="CheckpointManager.CreateJson"/>), to pass to <c>InProcessExecution.RunStreamingAsync(workflow, input, checkpointManager, sessionId)</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the namespace and agent-id prefix; null keeps the defaults.</param>
    public static IServiceCollection AddStatehouseCheckpointStore(this IServiceCollection services, Action<StatehouseCheckpointStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider =>
        {
            var options = new StatehouseCheckpointStoreOptions();
            configure?.Invoke(options);
            return new StatehouseCheckpointStore(RequireClientProvider(provider), options);
        });
        services.TryAddSingleton(provider => CheckpointManager.CreateJson(provider.GetRequiredService<StatehouseCheckpointStore>()));
        return services;
    }

    /// <summary>
    /// Registers a singleton <see cref="StatehouseChatHistoryProvider"/>, to set as <c>ChatClientAgentOptions.ChatHistoryProvider</c>
    /// (resolve it from the container when building the agent).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the namespace, prefix, context bound and reducer; null keeps the defaults.</param>
    public static IServiceCollection AddStatehouseChatHistory(this IServiceCollection services, Action<StatehouseChatHistoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(provider =>
        {
            var options = new StatehouseChatHistoryOptions();
            configure?.Invoke(options);
            return new StatehouseChatHistoryProvider(RequireClientProvider(provider), options);
        });
        return services;
    }

    private static StatehouseClientProvider RequireClientProvider(IServiceProvider provider) =>
        provider.GetService<StatehouseClientProvider>()
        ?? throw new InvalidOperationException(
            "No StatehouseClientProvider is registered: call services.AddStatehouseClient(options => ...) before resolving the Statehouse Agent Framework stores.");
}
