using System.Globalization;
using Statehouse.Bench.Load;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;

namespace Statehouse.Bench.Storage;

/// <summary>
/// The transactions the benchmarks commit: transaction n writes <see cref="Operations"/> keys of ONE agent
/// (agents in round-robin, so every agent gets the same number of events), rotating over that agent's
/// <see cref="KeysPerAgent"/> keys. Values are <see cref="ValueBytes"/>-byte MessagePack binaries of random
/// bytes, so RocksDB's block compression cannot shrink them below what real data would take.
/// Envelopes are serialized here, outside any timed section, exactly as a client would publish them.
/// </summary>
internal sealed class Workload
{
    public const string Namespace = "default";

    private const int ValuePoolSize = 4096;

    private readonly byte[][] _values;
    private readonly string _txnPrefix;
    private long _next;

    public Workload(int operations, int valueBytes, int agents, int keysPerAgent, int seed)
    {
        if (valueBytes is < 3 or > 257)
        {
            throw new ArgumentOutOfRangeException(nameof(valueBytes), valueBytes, "values are MessagePack bin8: 3 to 257 bytes");
        }

        Operations = operations;
        ValueBytes = valueBytes;
        Agents = agents;
        KeysPerAgent = keysPerAgent;
        var random = new Random(seed);
        _values = [.. Enumerable.Range(0, ValuePoolSize).Select(_ => ValuePayload.Create(valueBytes, random))];
        // Distinct across runs too, so a reused directory can never answer from its inbox.
        _txnPrefix = $"bench-{seed:x}-{Guid.NewGuid():N}-";
    }

    public int Operations { get; }

    public int ValueBytes { get; }

    public int Agents { get; }

    public int KeysPerAgent { get; }

    /// <summary>Transactions produced so far.</summary>
    public long Produced => _next;

    public static string AgentId(int agent) => "agent-" + agent.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>The next <paramref name="count"/> transactions as commit requests (serialized envelopes).</summary>
    public CommitRequest[] NextGroup(int count)
    {
        var group = new CommitRequest[count];
        for (var i = 0; i < count; i++)
        {
            group[i] = Next();
        }

        return group;
    }

    private CommitRequest Next()
    {
        var n = _next++;
        var agent = AgentId((int)(n % Agents));
        var round = n / Agents;
        var operations = new Operation[Operations];
        for (var j = 0; j < Operations; j++)
        {
            var key = "key-" + ((round * Operations + j) % KeysPerAgent).ToString(CultureInfo.InvariantCulture);
            operations[j] = Operation.Write(agent, key, _values[(n * Operations + j) % ValuePoolSize]);
        }

        var txnId = _txnPrefix + n.ToString("x", CultureInfo.InvariantCulture);
        // The worker refuses envelopes without a deadline within its inbox retention (7 days by default).
        var deadline = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        var envelope = new CommitEnvelope(WireFormat.SchemaVersion, txnId, Namespace, operations, deadline);
        return new CommitRequest(WireFormat.Serialize(envelope), txnId);
    }
}
