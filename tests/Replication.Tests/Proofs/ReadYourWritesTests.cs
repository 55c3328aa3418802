using System.Collections.Concurrent;
using Statehouse.Client;
using Statehouse.Replication.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Proofs;

/// <summary>
/// Proof 5, read-your-writes: two clients each run a loop of commit-then-read on a key only they write, while the read
/// queue is served by both the primary and a replica (each worker's own read counter shows that both answered). No read
/// may show a state older than the client's own last commit, whichever worker answers it. The stores are audited after.
/// </summary>
public sealed class ReadYourWritesTests(ClusterFixture cluster, ITestOutputHelper output) : ReplicationTest(cluster, output)
{
    private const int Rounds = 150;
    private const string Key = "ryw";

    private readonly ConcurrentDictionary<string, long> _acknowledged = new(StringComparer.Ordinal);

    [Fact]
    public async Task Read_AfterOwnCommit_NeverOlderThanThatCommitFromEitherWorker()
    {
        var primary = await Deployment.StartAsync("w1");
        var replica = await Deployment.StartAsync("w2");
        var clients = await Deployment.ConnectClientsAsync(2, Ct);
        Assert.Same(primary, await Deployment.PrimaryAsync(Recovery, Ct));
        var readsBefore = new[] { await primary.ReadsAnsweredAsync(Ct), await replica.ReadsAnsweredAsync(Ct) };

        var stale = await Task.WhenAll(clients.Select((client, index) => Task.Run(() => LoopAsync(client, index), Ct)));

        var reads = new[] { await primary.ReadsAnsweredAsync(Ct) - readsBefore[0], await replica.ReadsAnsweredAsync(Ct) - readsBefore[1] };
        var violations = stale.SelectMany(s => s).ToList();
        Output.WriteLine($"{clients.Count} clients × {Rounds} rounds of commit-then-read: reads answered by the primary {reads[0]}, by the replica {reads[1]}; " +
            $"{violations.Count} reads older than the reader's own last commit");
        foreach (var violation in violations.Take(20))
        {
            Output.WriteLine("VIOLATION " + violation);
        }

        Assert.Empty(violations);
        Assert.True(reads[0] > 0 && reads[1] > 0, $"both workers must answer reads for this to prove anything (primary {reads[0]}, replica {reads[1]})");

        var stores = await Deployment.ConvergeAndStopAsync(_acknowledged, Recovery, Ct);
        Assert.Empty(StoreAudit.Check(_acknowledged, stores));
    }

    private async Task<List<string>> LoopAsync(StatehouseClient client, int index)
    {
        var agent = $"reader-{index}";
        var violations = new List<string>();
        for (var round = 1; round <= Rounds; round++)
        {
            await using var tx = client.BeginTransaction();
            var committed = await tx.Write(agent, Key, round).CommitAsync(Ct);
            _acknowledged[tx.TxnId] = committed.CommitTs;
            var read = await client.GetStateAsync<int>(agent, Key, ct: Ct);
            if (!read.Exists || read.Value != round || read.Version != committed.VersionOf(agent, Key) || read.CommitTs < committed.CommitTs)
            {
                violations.Add($"client {index} round {round}: committed at commit_ts {committed.CommitTs} version {committed.VersionOf(agent, Key)}, " +
                    $"then read exists={read.Exists} value={read.Value} version {read.Version} commit_ts {read.CommitTs}");
            }
        }

        return violations;
    }
}
