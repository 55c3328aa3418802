using System.Globalization;
using Statehouse.Contracts;
using Statehouse.Soak.Replication;

namespace Statehouse.Soak.Faults;

/// <summary>
/// The faults of a replicated soak, one at a time while the clients commit: each kind of <c>--faults</c>
/// <c>--faults-each</c> times in a seeded random order, the k-th of F once the clients finished k/(F+1) of 3-95 % of
/// the transactions (plus up to 200 ms) and the previous fault was recovered from. Each fault is timed from its start
/// until a commit started after it is acknowledged, and until the deployment is whole again.
/// </summary>
internal sealed class FaultInjector(
    SoakArguments args,
    ReplicaSet workers,
    SoakCluster? cluster,
    CommitWatch commits,
    TopologyNames names,
    Func<int> progress,
    Func<bool> clientsFinished,
    Random random,
    TextWriter output)
{
    /// <summary>A fault must be over (commits acknowledged again) within this; it covers the heartbeat timeout of a zombie.</summary>
    private static readonly TimeSpan s_takeoverTimeout = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan s_recoveryTimeout = TimeSpan.FromMinutes(5);

    private readonly List<FaultRecord> _done = [];

    public IReadOnlyList<FaultRecord> Done => _done;

    /// <summary>Faults not made because the clients had finished first (too few transactions, or too fast: see --rate).</summary>
    public int Skipped { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        var plan = args.Faults!.SelectMany(kind => Enumerable.Repeat(kind, args.FaultsEach)).OrderBy(_ => random.Next()).ToList();
        for (var i = 0; i < plan.Count; i++)
        {
            var target = (int)(args.Transactions * (0.03 + (0.92 * (i + 1) / (plan.Count + 1))));
            while (progress() < target && !clientsFinished())
            {
                await Task.Delay(10, ct);
            }

            await Task.Delay(random.Next(0, 200), ct);
            if (clientsFinished() || progress() >= args.Transactions)
            {
                Skipped = plan.Count - i;
                return;
            }

            var record = plan[i] switch
            {
                FaultKind.MachineLoss => await LoseMachineAsync(i + 1, ct),
                FaultKind.NodeLoss => await LoseNodeAsync(i + 1, ct),
                FaultKind.Zombie => await PauseAsync(i + 1, ct),
                _ => throw new InvalidOperationException($"fault {plan[i]}"),
            };
            _done.Add(record);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"soak: fault {record.Number}/{plan.Count} {FaultNames.Name(record.Kind)} at {record.AtProgress}/{args.Transactions} transactions: {record.Detail}; " +
                $"commits again after {record.TakeoverSeconds:0.00} s, whole again after {record.RecoverySeconds:0.00} s"));
        }
    }

    /// <summary>SIGKILL the primary and delete its store; once commits go on, start it again on the empty directory.</summary>
    private async Task<FaultRecord> LoseMachineAsync(int number, CancellationToken ct)
    {
        var primary = await workers.FindPrimaryAsync(TimeSpan.FromMinutes(1), ct);
        var (at, pid) = (progress(), primary.Process!.Pid);
        var started = Now();
        await primary.KillAsync(ct);
        primary.DeleteStore();
        var takeover = await TakeoverAsync(started, $"{primary.Name} (pid {pid}) was killed and its store deleted", ct);
        await workers.StartAsync(primary, ct);
        var caughtUp = await workers.WaitCaughtUpAsync(primary, s_recoveryTimeout, ct);
        return new FaultRecord(FaultKind.MachineLoss, number, at, takeover, Seconds(started), false,
            string.Create(CultureInfo.InvariantCulture, $"primary {primary.Name} (pid {pid}) killed, store deleted; back on an empty store (pid {primary.Process!.Pid}), caught up to commit_ts {caughtUp}"));
    }

    /// <summary>
    /// SIGKILL the broker node leading the commit queue (odd node faults) or the log (even ones); restart it a few
    /// seconds after commits go on again.
    /// </summary>
    private async Task<FaultRecord> LoseNodeAsync(int number, CancellationToken ct)
    {
        var soakCluster = cluster ?? throw new InvalidOperationException("node-loss without a cluster");
        var queue = _done.Count(r => r.Kind == FaultKind.NodeLoss) % 2 == 0 ? names.CommitQueue : names.LogStream;
        var node = await soakCluster.LeaderAsync(queue, ct);
        var at = progress();
        var started = Now();
        await soakCluster.KillNodeAsync(node, ct);
        var takeover = await TakeoverAsync(started, $"node {node} (leader of {queue}) was killed", ct);
        // Down a little longer, under load, before it comes back.
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(2000, 8000)), ct);
        await soakCluster.RestartNodeAsync(node, ct);
        foreach (var slot in workers.Slots)
        {
            await workers.WaitCaughtUpAsync(slot, s_recoveryTimeout, ct);
        }

        return new FaultRecord(FaultKind.NodeLoss, number, at, takeover, Seconds(started), false,
            $"node {node}, leader of {queue}, killed and restarted");
    }

    /// <summary>SIGSTOP the primary until a commit started after the pause is acknowledged (another worker took over), then SIGCONT.</summary>
    private async Task<FaultRecord> PauseAsync(int number, CancellationToken ct)
    {
        var primary = await workers.FindPrimaryAsync(TimeSpan.FromMinutes(1), ct);
        var (at, worker) = (progress(), primary.Process!);
        var started = Now();
        await worker.PauseAsync();
        double takeover;
        try
        {
            takeover = await TakeoverAsync(started, $"{primary.Name} (pid {worker.Pid}) was paused", ct);
        }
        finally
        {
            primary.MayRefuse = true;
            await worker.ResumeAsync();
        }

        var paused = Seconds(started);
        var refusal = workers.RefusalOf(primary);
        var caughtUp = workers.WaitCaughtUpAsync(primary, s_recoveryTimeout, ct);
        var refused = await Task.WhenAny(refusal, caughtUp) == refusal && refusal.IsCompletedSuccessfully;
        string detail;
        if (refused)
        {
            var aside = primary.MoveStoreAside();
            await workers.StartAsync(primary, ct);
            var last = await workers.WaitCaughtUpAsync(primary, s_recoveryTimeout, ct);
            detail = string.Create(CultureInfo.InvariantCulture,
                $"primary {primary.Name} (pid {worker.Pid}) paused {paused:0.0} s; on resume it refused its diverged store (exit 1), moved to {Path.GetFileName(aside)}; " +
                $"back on an empty store (pid {primary.Process!.Pid}), caught up to commit_ts {last}");
        }
        else
        {
            var last = await caughtUp;
            primary.MayRefuse = false;
            var role = (await primary.TryReadHealthAsync(ct))?.Role;
            if (string.Equals(role, "primary", StringComparison.OrdinalIgnoreCase))
            {
                throw new SoakFailureException($"{primary.Name} (pid {worker.Pid}) reports role primary after it was paused and another worker took over");
            }

            detail = string.Create(CultureInfo.InvariantCulture,
                $"primary {primary.Name} (pid {worker.Pid}) paused {paused:0.0} s; back as a replica{(role is null ? "" : $" (role {role})")}, caught up to commit_ts {last}");
        }

        return new FaultRecord(FaultKind.Zombie, number, at, takeover, Seconds(started), refused, detail);
    }

    /// <summary>Seconds from <paramref name="startedUnixMs"/> until a commit started after it is acknowledged.</summary>
    /// <exception cref="SoakFailureException">None within <see cref="s_takeoverTimeout"/>.</exception>
    private async Task<double> TakeoverAsync(long startedUnixMs, string what, CancellationToken ct)
    {
        var acknowledged = await commits.FirstCommitStartedAfterAsync(startedUnixMs, s_takeoverTimeout, ct);
        if (acknowledged is null && !clientsFinished())
        {
            var broker = cluster is null ? "" : $"; the broker: {await cluster.DescribeAsync(names.CommitQueue, ct)}; {await cluster.DescribeAsync(names.LogStream, ct)}";
            throw new SoakFailureException(
                $"{what}, and no commit started after it was acknowledged within {s_takeoverTimeout.TotalSeconds} s (no worker took over?){broker}; see the worker logs");
        }

        return acknowledged is { } at ? (at - startedUnixMs) / 1000.0 : Seconds(startedUnixMs);
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static double Seconds(long sinceUnixMs) => (Now() - sinceUnixMs) / 1000.0;
}
