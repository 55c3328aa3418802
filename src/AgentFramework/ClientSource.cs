using Statehouse.Client;
using Statehouse.Client.DependencyInjection;

namespace Statehouse.AgentFramework;

/// <summary>
/// The client a store talks through: a connected <see cref="StatehouseClient"/>, or a <see cref="StatehouseClientProvider"/>
/// that connects on first use (DI registrations cannot await a connection in a constructor).
/// </summary>
internal sealed class ClientSource
{
    private readonly StatehouseClient? _client;
    private readonly StatehouseClientProvider? _provider;

    public ClientSource(StatehouseClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    public ClientSource(StatehouseClientProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        _provider = provider;
    }

    public ValueTask<StatehouseClient> GetAsync(CancellationToken ct) =>
        _client is not null ? ValueTask.FromResult(_client) : _provider!.GetClientAsync(ct);
}
