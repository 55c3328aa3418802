using Statehouse.Client;
using Statehouse.Contracts;

namespace Statehouse.Cli.Tests.Infrastructure;

/// <summary>
/// A namespace's live records as the worker's history tells them, read independently of <c>dump</c>: every agent
/// (<see cref="StatehouseClient.ListAgentsAsync"/>) replayed in full, the last operation of each key kept. Holds each
/// record's exact value bytes and version, and how many writes of it the history has.
/// </summary>
public sealed class LiveState
{
    private LiveState(Dictionary<(string Agent, string Key), (byte[] Value, long Version)> records, Dictionary<(string Agent, string Key), int> writes)
    {
        Records = records;
        Writes = writes;
    }

    /// <summary>Every live record: its value bytes and version.</summary>
    public IReadOnlyDictionary<(string Agent, string Key), (byte[] Value, long Version)> Records { get; }

    /// <summary>How many write operations the history holds per record (deleted ones included).</summary>
    public IReadOnlyDictionary<(string Agent, string Key), int> Writes { get; }

    public static async Task<LiveState> ReadAsync(StatehouseClient client, string @namespace)
    {
        var records = new Dictionary<(string, string), (byte[], long)>();
        var writes = new Dictionary<(string, string), int>();
        await foreach (var agent in client.ListAgentsAsync(pageSize: 2, @namespace: @namespace))
        {
            await foreach (var replayed in client.ReplayAsync(agent, @namespace: @namespace))
            {
                foreach (var operation in replayed.Operations)
                {
                    var id = (agent, operation.Key);
                    if (operation.Kind == OperationKind.Write)
                    {
                        records[id] = (operation.Value!.Value.ToArray(), operation.Version);
                        writes[id] = writes.GetValueOrDefault(id) + 1;
                    }
                    else
                    {
                        records.Remove(id);
                    }
                }
            }
        }

        return new LiveState(records, writes);
    }

    /// <summary>Asserts that <paramref name="other"/> holds the same records with byte-identical values (versions aside).</summary>
    public void AssertSameValues(LiveState other)
    {
        Assert.Equal(Records.Keys.Order(), other.Records.Keys.Order());
        foreach (var (id, (value, _)) in Records)
        {
            Assert.True(value.AsSpan().SequenceEqual(other.Records[id].Value),
                $"{id}: {Convert.ToHexString(value)} here, {Convert.ToHexString(other.Records[id].Value)} there");
        }
    }
}
