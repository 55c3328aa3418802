using System.Diagnostics;
using Statehouse.Bench.Load;
using Statehouse.Bench.Processes;
using Statehouse.Bench.Results;
using Statehouse.Client;

namespace Statehouse.Bench.Modes;

/// <summary>
/// Takes CPU times (server, replica, broker, this process, the machine) and the worker's counters when the measured
/// window opens and closes, and turns them into shares of the window. The broker is every <c>beam.smp</c> listening on
/// one of <paramref name="brokerPorts"/> (the three nodes of a cluster together); the replica is measured apart from
/// the server (the primary) when <paramref name="replicaPids"/> is given.
/// </summary>
internal sealed class ResourceSampler(
    string serverName,
    Func<IReadOnlyList<int>> serverPids,
    IReadOnlyList<int> brokerPorts,
    StatehouseClient? statsClient,
    Func<IReadOnlyList<int>>? replicaPids = null) : IWindowObserver
{
    private const string BrokerProcess = "beam.smp";
    private Snapshot? _start;
    private Snapshot? _end;

    public CpuShare? Server => Share(serverName, s => s.Server);

    public CpuShare? Replica => replicaPids is null ? null : Share("replica", s => s.Replica);

    public CpuShare? Broker => Share(brokerPorts.Count == 1 ? $"RabbitMQ ({BrokerProcess})" : $"RabbitMQ ({brokerPorts.Count} nodes, {BrokerProcess})", s => s.Broker);

    public CpuShare Bench => Share("bench clients", s => s.Self)!;

    public double MachineBusyPercent => _start is { } a && _end is { } b && b.MachineTotal > a.MachineTotal
        ? 100.0 * (b.MachineBusy - a.MachineBusy) / (b.MachineTotal - a.MachineTotal)
        : 0;

    public long? Committed => _start?.Committed is { } a && _end?.Committed is { } b ? b - a : null;

    public long? SyncedWrites => _start?.SyncedWrites is { } a && _end?.SyncedWrites is { } b ? b - a : null;

    public async Task OnWindowStartAsync(CancellationToken ct)
    {
        // The same processes are measured at both ends: those serving when the window opens.
        _start = await TakeAsync(serverPids(), replicaPids?.Invoke() ?? [], ProcFs.FindListening(BrokerProcess, brokerPorts), ct);
    }

    public async Task OnWindowEndAsync(CancellationToken ct)
    {
        if (_start is null)
        {
            return;
        }

        _end = await TakeAsync(_start.Server.Keys, _start.Replica.Keys, _start.Broker.Keys, ct);
    }

    private async Task<Snapshot> TakeAsync(IEnumerable<int> pids, IEnumerable<int> replicas, IEnumerable<int> brokers, CancellationToken ct)
    {
        var stats = statsClient is null ? null : await statsClient.StatsAsync(ct);
        var (busy, total) = ProcFs.MachineTicks();
        return new Snapshot(
            Stopwatch.GetTimestamp(),
            ProcFs.CpuTimes(pids),
            ProcFs.CpuTimes(replicas),
            ProcFs.CpuTimes(brokers),
            ProcFs.CpuTimes([Environment.ProcessId]),
            busy, total, stats?.Committed, stats?.SyncedWrites);
    }

    /// <summary>CPU used between the two snapshots by the processes present in both (one that came or went in between is left out).</summary>
    private CpuShare? Share(string name, Func<Snapshot, Dictionary<int, TimeSpan>> cpu)
    {
        if (_start is not { } a || _end is not { } b)
        {
            return null;
        }

        var from = cpu(a);
        var to = cpu(b);
        var common = from.Keys.Where(to.ContainsKey).ToList();
        if (common.Count == 0)
        {
            return null;
        }

        var seconds = Stopwatch.GetElapsedTime(a.Timestamp, b.Timestamp).TotalSeconds;
        var used = common.Sum(pid => (to[pid] - from[pid]).TotalSeconds);
        return new CpuShare(name, used, seconds > 0 ? 100 * used / seconds : 0);
    }

    private sealed record Snapshot(
        long Timestamp,
        Dictionary<int, TimeSpan> Server,
        Dictionary<int, TimeSpan> Replica,
        Dictionary<int, TimeSpan> Broker,
        Dictionary<int, TimeSpan> Self,
        long MachineBusy,
        long MachineTotal,
        long? Committed,
        long? SyncedWrites);
}
