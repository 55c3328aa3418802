using Statehouse.Client;

namespace Statehouse.Bench.Load;

/// <summary>The real client, one <see cref="StatehouseClient"/> (one AMQP connection) per bench client.</summary>
internal sealed class StatehouseTarget : ITransactionTarget
{
    private readonly StatehouseClient[] _clients;
    private readonly LoadShape _shape;
    private readonly string[] _agents;
    private readonly string[] _keys;
    private readonly byte[] _value;

    private StatehouseTarget(StatehouseClient[] clients, LoadShape shape)
    {
        _clients = clients;
        _shape = shape;
        _agents = Enumerable.Range(0, shape.Slots).Select(shape.AgentOf).ToArray();
        _keys = Enumerable.Range(0, shape.KeysPerAgent).Select(LoadShape.KeyName).ToArray();
        _value = ValuePayload.Create(shape.ValueBytes);
    }

    /// <summary>Any client, for reads such as the worker's stats.</summary>
    public StatehouseClient First => _clients[0];

    /// <summary>Connects <see cref="LoadShape.Clients"/> clients to the broker (<paramref name="uris"/>: one, or a cluster's nodes).</summary>
    public static async Task<StatehouseTarget> ConnectAsync(IReadOnlyList<Uri> uris, string prefix, LoadShape shape, CancellationToken ct)
    {
        var clients = new StatehouseClient[shape.Clients];
        try
        {
            for (var i = 0; i < clients.Length; i++)
            {
                clients[i] = await StatehouseClient.ConnectAsync(new StatehouseClientOptions
                {
                    Uris = [.. uris],
                    QueuePrefix = prefix,
                    ClientName = $"statehouse-bench-{i}@{Environment.ProcessId}",
                }, ct);
            }
        }
        catch
        {
            foreach (var client in clients.Where(c => c is not null))
            {
                await client.DisposeAsync();
            }

            throw;
        }

        return new StatehouseTarget(clients, shape);
    }

    public async Task CommitAsync(int slot, long sequence, CancellationToken ct)
    {
        var client = _clients[slot % _clients.Length];
        await using var tx = client.BeginTransaction();
        var agent = _agents[slot % _agents.Length];
        for (var op = 0; op < _shape.Operations; op++)
        {
            tx.WriteRaw(agent, _keys[_shape.KeyIndex(sequence, op)], _value);
        }

        await tx.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
    }
}
