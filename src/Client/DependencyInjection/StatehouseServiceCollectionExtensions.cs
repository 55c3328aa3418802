using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Statehouse.Client.DependencyInjection;

public static class StatehouseServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="StatehouseClientProvider"/> (inject it, then <c>await provider.GetClientAsync(ct)</c>).
    /// The client logs through the container's <see cref="ILoggerFactory"/> unless <paramref name="configure"/> sets one.
    /// Registered with TryAdd: a second call changes nothing, the first configuration wins.
    /// </summary>
    public static IServiceCollection AddStatehouseClient(this IServiceCollection services, Action<StatehouseClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.TryAddSingleton(provider =>
        {
            var options = new StatehouseClientOptions();
            configure(options);
            options.LoggerFactory ??= provider.GetService<ILoggerFactory>();
            return new StatehouseClientProvider(options);
        });
        return services;
    }
}
