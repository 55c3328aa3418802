using Statehouse.Contracts;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>
/// Bounded history against a model of what was committed: random writes, deletes and re-creates in namespaces whose names
/// prefix each other, pruning passes under changing rules while the clock moves, then every read of history (as of every
/// commit_ts, every version, replay of every agent and namespace from every start) either answers exactly what the model
/// says or HISTORY_PRUNED below the stored horizon, never a wrong or partial answer.
/// </summary>
public sealed class HistoryModelTests : IDisposable
{
    private static readonly string[] s_namespaces = ["a", "ab", "a\u0000b"];
    private static readonly string[] s_agents = ["x", "xy"];
    private static readonly string[] s_keys = ["k", "k2", "kk"];

    private readonly TempStore _store = new();
    private readonly List<(long CommitTs, string Ns, string Agent, string Key, bool Deleted, byte[]? Value, long Version)> _model = [];
    private readonly Dictionary<(string, string, string), long> _versions = [];

    public void Dispose() => _store.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomCommitsAndPasses_EveryHistoryReadIsExactOrPrunedBelowTheHorizon(int seed)
    {
        var random = new Random(seed);
        var rules = new[]
        {
            new HistoryRetention { KeepVersions = 1 },
            new HistoryRetention { KeepVersions = 2 },
            new HistoryRetention { KeepNewerThan = TimeSpan.FromSeconds(1) },
            new HistoryRetention { KeepVersions = 3, KeepNewerThan = TimeSpan.FromSeconds(5) },
            new HistoryRetention(),
        };
        for (var step = 0; step < 300; step++)
        {
            var ns = s_namespaces[random.Next(s_namespaces.Length)];
            var operations = Enumerable.Range(0, random.Next(1, 4)).Select(_ =>
            {
                var agent = s_agents[random.Next(s_agents.Length)];
                var key = s_keys[random.Next(s_keys.Length)];
                return random.Next(4) == 0 ? Operation.Delete(agent, key) : Operation.Write(agent, key, Value(random.Next()));
            }).ToArray();
            CommitAndModel(ns, operations);
            _store.Time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 1500)));
            if (random.Next(10) == 0)
            {
                var options = new HistoryRetentionOptions { Default = rules[random.Next(rules.Length)] };
                options.Namespaces["ab"] = rules[random.Next(rules.Length)];
                new HistoryPruner(_store.Store, new HistoryOptions { Retention = options }, _store.Time).PruneOnce();
            }
        }

        CheckAgainstModel();
    }

    private void CommitAndModel(string ns, Operation[] operations)
    {
        var envelope = Envelope(operations) with { Namespace = ns, DeadlineUnixMs = _store.Time.GetUtcNow().AddDays(1).ToUnixTimeMilliseconds() };
        var reply = _store.Apply(envelope).Outcomes[0].Reply;
        Assert.Equal(CommitStatus.Committed, reply.Status);
        var last = new Dictionary<(string, string), Operation>();
        foreach (var operation in operations)
        {
            last[(operation.AgentId, operation.Key)] = operation;
        }

        foreach (var ((agent, key), operation) in last)
        {
            var version = _versions[(ns, agent, key)] = _versions.GetValueOrDefault((ns, agent, key)) + 1;
            _model.Add((reply.CommitTs, ns, agent, key, operation.Kind == OperationKind.Delete, operation.Value, version));
        }
    }

    private void CheckAgainstModel()
    {
        var lastCommitTs = _model[^1].CommitTs;
        foreach (var ns in s_namespaces)
        {
            var horizon = Horizon(ns);
            foreach (var agent in s_agents)
            {
                foreach (var key in s_keys)
                {
                    var versions = _model.Where(m => m.Ns == ns && m.Agent == agent && m.Key == key).ToList();
                    for (long t = 0; t <= lastCommitTs; t++)
                    {
                        var reply = _store.Read(new ReadRequest(WireFormat.SchemaVersion, ReadKind.GetAsOf, ns, agent, key, CommitTs: t));
                        var expected = versions.LastOrDefault(v => v.CommitTs <= t);
                        if (reply.ErrorCode == ErrorCode.HistoryPruned)
                        {
                            Assert.True(t < horizon && reply.Horizon == horizon, $"{ns}/{agent}/{key} as of {t}: pruned with horizon {reply.Horizon}, stored {horizon}");
                            continue;
                        }

                        var record = Ok(reply).Record!;
                        Assert.True(
                            (expected.Version, expected.Value is not null && !expected.Deleted) == (record.Version, record.Exists)
                            && (expected.Value ?? []).AsSpan().SequenceEqual(record.Value ?? []),
                            $"{ns}/{agent}/{key} as of {t}: got v{record.Version} exists {record.Exists}, model v{expected.Version} deleted {expected.Deleted} (horizon {horizon})");
                    }

                    foreach (var version in versions)
                    {
                        var reply = _store.Read(new ReadRequest(WireFormat.SchemaVersion, ReadKind.GetAtVersion, ns, agent, key, Version: version.Version));
                        if (reply.ErrorCode == ErrorCode.HistoryPruned)
                        {
                            Assert.True(version.CommitTs < horizon && version != versions[^1], $"{ns}/{agent}/{key} v{version.Version} pruned at/above horizon {horizon}");
                            continue;
                        }

                        Assert.Equal(version.Value ?? [], Ok(reply).Record!.Value ?? []);
                    }
                }

                CheckReplay(ns, agent, horizon, lastCommitTs);
            }

            CheckReplay(ns, "", horizon, lastCommitTs);
        }
    }

    private void CheckReplay(string ns, string agent, long horizon, long lastCommitTs)
    {
        for (long start = 0; start <= lastCommitTs + 1; start++)
        {
            var reply = _store.Read(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Replay, ns, agent, StartTs: start, Limit: 1000));
            if (start < horizon)
            {
                Assert.Equal((ErrorCode.HistoryPruned, horizon), (reply.ErrorCode, reply.Horizon));
                continue;
            }

            var expected = _model.Where(m => m.Ns == ns && (agent == "" || m.Agent == agent) && m.CommitTs >= start)
                .Select(m => $"{m.CommitTs}:{m.Agent}/{m.Key}@{m.Version}:{(m.Deleted ? "-" : Convert.ToHexString(m.Value!))}").ToList();
            var actual = Ok(reply).Events!.SelectMany(e => e.Operations.Select(o =>
                $"{e.CommitTs}:{o.AgentId ?? agent}/{o.Key}@{o.Version}:{(o.Kind == OperationKind.Delete ? "-" : Convert.ToHexString(o.Value ?? []))}")).ToList();
            Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        }
    }

    private long Horizon(string ns)
    {
        using var lease = _store.Store.EnterRead();
        using var reader = StoreReader.OpenLatest(_store.Store);
        return reader.GetHorizon(ns);
    }
}
