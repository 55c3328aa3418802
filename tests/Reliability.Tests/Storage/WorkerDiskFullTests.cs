using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Storage;

/// <summary>
/// The worker process with its store on a real size-limited filesystem that runs full while clients commit: the
/// failing transactions are neither acked nor answered, health says why, and once space returns the worker resumes by
/// itself and applies them exactly once, without restarting.
/// </summary>
public sealed class WorkerDiskFullTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private const string StorageFailed = "storage-failed";
    private static readonly TimeSpan s_commitTimeout = TimeSpan.FromSeconds(2);
    private static readonly string s_value = new('x', 16_000);

    [Fact]
    public async Task Commit_DiskFullThenFreed_NothingAckedWhileFullThenInFlightCommitExactlyOnceWithoutRestart()
    {
        using var disk = new SmallFilesystem(megabytes: 24);
        var worker = await Scope.StartWorkerAsync(("Statehouse:Storage:Path", Path.Combine(disk.MountPoint, "store")));
        var client = await Scope.ConnectClientAsync(o =>
        {
            // Resends every 2 s for minutes: the transactions must outlive the outage.
            (o.CommitTimeout, o.MaxCommitAttempts) = (s_commitTimeout, 90);
            (o.ReadTimeout, o.MaxReadAttempts) = (TimeSpan.FromSeconds(5), 3);
        });
        for (var i = 0; i < 5; i++)
        {
            await CommitAsync(client, tx => tx.Write("before", $"k{i}", i));
        }

        disk.Fill();
        var clock = Stopwatch.StartNew();
        var (pending, fitted, failed) = await CommitUntilStorageFailsAsync(client);
        var failedAt = clock.Elapsed;
        // Closing the store to reopen it can give back space RocksDB had preallocated: take that too, so the outage lasts.
        disk.Fill();
        // More transactions published during the outage wait with the rest.
        for (var i = 0; i < 3; i++)
        {
            var txnId = $"during-{i}-{Guid.NewGuid():N}";
            pending.Add(new InFlight(txnId, $"during-{i}", CommitAsync(client, txnId, $"during-{i}")));
        }

        // Two more failed attempts of the same group (with backoff): by then every reply of a group written before the
        // disk filled is out, and the clients have resent what waits.
        var failures = Regex.Matches(worker.Log, "Commit failure ([0-9]+) in a row").Max(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        await worker.WaitForLogAsync($"Commit failure {failures + 2} in a row", Recovery);
        var inFlight = pending.Where(p => !p.Commit.IsCompleted).ToList();
        foreach (var finished in pending.Except(inFlight))
        {
            await finished.Commit;
            fitted++;
        }

        var lastBefore = failed.LastCommitTs;
        var during = await client.HealthAsync(LongCt);
        var visible = await VisibleAsync(client, inFlight);
        Output.WriteLine($"{fitted} commits still fitted after the disk filled; health reported storage-failed {failedAt.TotalSeconds:F1} s after the fill: {failed.Detail}");
        Output.WriteLine($"in flight: {inFlight.Count}; during the outage: health {during.Status}, last commit_ts {during.LastCommitTs}, visible {visible.Count}");

        Assert.False(failed.Healthy);
        Assert.False(string.IsNullOrWhiteSpace(failed.Detail));
        Assert.NotEmpty(inFlight);
        Assert.Equal((StorageFailed, lastBefore), (during.Status, during.LastCommitTs));
        Assert.Empty(visible);
        Assert.DoesNotContain(inFlight, p => p.Commit.IsCompleted);

        disk.Free();
        var freedAt = clock.Elapsed;
        var results = await Task.WhenAll(inFlight.Select(p => p.Commit)).WaitAsync(Recovery, LongCt);
        var resumedAfter = clock.Elapsed - freedAt;
        var health = await client.HealthAsync(LongCt);
        var stats = await client.StatsAsync(LongCt);
        var log = await CommitLog.ReadAsync(client, "default", ["before", "inflight"], LongCt);
        Output.WriteLine($"space freed {(freedAt - failedAt).TotalSeconds:F1} s after the failure was reported; in-flight transactions committed {resumedAfter.TotalSeconds:F1} s later; " +
            $"health {health.Status}, last commit_ts {health.LastCommitTs}; worker: {stats.Committed} committed, {stats.Duplicates} resends answered from the inbox");

        Assert.False(worker.HasExited, "the worker exited:\n" + worker.Log);
        Assert.Same(worker, Scope.Worker);
        Assert.True(health.Healthy, $"{health.Status}: {health.Detail}");
        Assert.Equal(Enumerable.Range(1, inFlight.Count).Select(i => lastBefore + i), results.Select(r => r.CommitTs).Order());
        Assert.Equal(lastBefore + inFlight.Count, health.LastCommitTs);
        Assert.Empty(log.Violations(health.LastCommitTs));
        Assert.All(inFlight.Zip(results), p => Assert.Equal([p.Second.CommitTs], log.CommitTsOf(p.First.TxnId)));
        Assert.Equal(0, await worker.StopAsync());
    }

    /// <summary>
    /// Commits one transaction after another until the worker reports storage-failed. A commit that takes longer than
    /// a moment stays pending (it may be the first the full disk holds up) and the next one starts.
    /// </summary>
    private async Task<(List<InFlight> Pending, int Fitted, HealthReport Failed)> CommitUntilStorageFailsAsync(StatehouseClient client)
    {
        var pending = new List<InFlight>();
        var fitted = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; ; i++)
        {
            Assert.True(clock.Elapsed < Recovery, $"the store kept writing for {clock.Elapsed.TotalSeconds:F0} s on a full disk ({fitted} commits)");
            var txnId = $"inflight-{i}-{Guid.NewGuid():N}";
            var commit = CommitAsync(client, txnId, $"k{i}");
            if (await Task.WhenAny(commit, Task.Delay(TimeSpan.FromSeconds(3), LongCt)) == commit)
            {
                await commit;
                fitted++;
                continue;
            }

            pending.Add(new InFlight(txnId, $"k{i}", commit));
            var health = await client.HealthAsync(LongCt);
            if (health.Status == StorageFailed)
            {
                return (pending, fitted, health);
            }
        }
    }

    /// <summary>The in-flight keys a read can see (a read may also fail with STORAGE_ERROR while the store is reopening).</summary>
    private async Task<List<string>> VisibleAsync(StatehouseClient client, List<InFlight> inFlight)
    {
        var visible = new List<string>();
        foreach (var item in inFlight)
        {
            try
            {
                if ((await client.GetStateAsync<string>("inflight", item.Key, ct: LongCt)).Exists)
                {
                    visible.Add(item.Key);
                }
            }
            catch (StatehouseStorageException e)
            {
                Output.WriteLine($"read of {item.Key} during the outage: {e.Code} {e.Message}");
            }
        }

        return visible;
    }

    private async Task<CommitResult> CommitAsync(StatehouseClient client, string txnId, string key)
    {
        await using var tx = client.BeginTransaction(txnId: txnId);
        tx.Write("inflight", key, s_value);
        return await tx.CommitAsync(LongCt);
    }

    private sealed record InFlight(string TxnId, string Key, Task<CommitResult> Commit);
}
