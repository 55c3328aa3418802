using MessagePack;
using Statehouse.Client;
using Statehouse.Contracts;
using Statehouse.Soak.Load;

namespace Statehouse.Soak.Checking;

/// <summary>Reads an <see cref="Observation"/> through the worker with ordinary client reads: replay, get, list keys.</summary>
internal static class StoreReader
{
    private const int PageSize = 1000;

    /// <summary>
    /// Reads everything; null when commits arrived while reading (the last commit_ts moved), because then the replays of
    /// different agents would not show the same moment.
    /// </summary>
    public static async Task<Observation?> ReadAsync(StatehouseClient client, int agents, CancellationToken ct)
    {
        var before = await client.HealthAsync(ct);
        var replays = new Dictionary<string, IReadOnlyList<ObservedEvent>>(StringComparer.Ordinal);
        var listed = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var records = new List<ObservedRecord>();
        foreach (var agent in Workload.AgentNames(agents))
        {
            var events = new List<ObservedEvent>();
            await foreach (var replayed in client.ReplayAsync(agent, pageSize: PageSize, ct: ct))
            {
                events.Add(new ObservedEvent(
                    replayed.TxnId,
                    replayed.CommitTs,
                    replayed.AgentId,
                    replayed.Operations.Select(o => new ObservedOperation(o.Key, o.Kind == OperationKind.Delete, Decode(o.Value), o.Version)).ToList()));
            }

            replays[agent] = events;
            var keys = new List<string>();
            await foreach (var key in client.ListKeysAsync(agent, pageSize: PageSize, ct: ct))
            {
                keys.Add(key);
            }

            listed[agent] = keys;

            // Every key of the pool, and any other key replay or listing shows (there should be none).
            var all = Workload.KeyNames().Concat(keys).Concat(events.SelectMany(e => e.Operations.Select(o => o.Key))).Distinct(StringComparer.Ordinal);
            foreach (var key in all)
            {
                var state = await client.GetStateAsync<object>(agent, key, ct: ct);
                records.Add(new ObservedRecord(agent, key, state.Exists, Decode(state.RawValue), state.Version, state.CommitTs));
            }
        }

        var after = await client.HealthAsync(ct);
        return after.LastCommitTs == before.LastCommitTs ? new Observation(before.LastCommitTs, replays, records, listed) : null;
    }

    /// <summary>The marker string a value holds; anything else is shown as JSON so that the mismatch is readable.</summary>
    private static string? Decode(ReadOnlyMemory<byte>? value)
    {
        if (value is not { } bytes)
        {
            return null;
        }

        try
        {
            return MessagePackSerializer.Deserialize<string>(bytes, StatehouseClientOptions.DefaultValueSerializerOptions);
        }
        catch (MessagePackSerializationException)
        {
            return "(not a string: " + MessagePackSerializer.ConvertToJson(bytes) + ")";
        }
    }
}
