using System.Diagnostics;
using Statehouse.Bench.Load;
using Statehouse.Bench.Processes;
using Statehouse.Bench.Results;
using Statehouse.Client;

namespace Statehouse.Bench.Modes;

/// <summary>
/// Takes CPU times (server, broker, this process, the machine) and the worker's counters when the measured window
/// opens and closes, and turns them into shares of the window.
/// </summary>
internal sealed class ResourceSampler(string serverName, Func<IReadOnlyList<int>> serverPids, StatehouseClient? statsClient) : IWindowObserver
{
    private const string BrokerProcess = "beam.smp";
    private Snapshot? _start;
    private Snapshot? _end;

    public CpuShare? Server => Share(serverName, s => s.Server);

    public CpuShare? Broker => Share($"RabbitMQ ({BrokerProcess})", s => s.Broker);

    public CpuShare Bench => Share("bench clients", s => s.Self)!;

    public double MachineBusyPercent => _start is { } a && _end is { } b && b.MachineTotal > a.MachineTotal
        ? 100.0 * (b.MachineBusy - a.MachineBusy) / (b.MachineTotal - a.MachineTotal)
        : 0;

    public long? Committed => _start?.Committed is { } a && _end?.Committed is { } b ? b - a : null;

    public long? SyncedWrites => _start?.SyncedWrites is { } a && _end?.SyncedWrites is { } b ? b - a : null;

    public async Task OnWindowStartAsync(CancellationToken ct)
    {
        // The same processes are measured at both ends: those serving when the window opens.
        var pids = serverPids();
        var brokers = ProcFs.FindByName(BrokerProcess);
        _start = await TakeAsync(pids, brokers, ct);
    }

    public async Task OnWindowEndAsync(CancellationToken ct)
    {
        if (_start is null)
        {
            return;
        }

        _end = await TakeAsync(_start.Pids, _start.BrokerPids, ct);
    }

    private async Task<Snapshot> TakeAsync(IReadOnlyList<int> pids, IReadOnlyList<int> brokers, CancellationToken ct)
    {
        var stats = statsClient is null ? null : await statsClient.StatsAsync(ct);
        var (busy, total) = ProcFs.MachineTicks();
        return new Snapshot(
            Stopwatch.GetTimestamp(), pids, brokers,
            pids.Count == 0 ? null : ProcFs.CpuTime(pids),
            brokers.Count == 0 ? null : ProcFs.CpuTime(brokers),
            ProcFs.CpuTime(Environment.ProcessId) ?? TimeSpan.Zero,
            busy, total, stats?.Committed, stats?.SyncedWrites);
    }

    private CpuShare? Share(string name, Func<Snapshot, TimeSpan?> cpu)
    {
        if (_start is not { } a || _end is not { } b || cpu(a) is not { } from || cpu(b) is not { } to)
        {
            return null;
        }

        var seconds = Stopwatch.GetElapsedTime(a.Timestamp, b.Timestamp).TotalSeconds;
        var used = (to - from).TotalSeconds;
        return new CpuShare(name, used, seconds > 0 ? 100 * used / seconds : 0);
    }

    private sealed record Snapshot(
        long Timestamp,
        IReadOnlyList<int> Pids,
        IReadOnlyList<int> BrokerPids,
        TimeSpan? Server,
        TimeSpan? Broker,
        TimeSpan Self,
        long MachineBusy,
        long MachineTotal,
        long? Committed,
        long? SyncedWrites);
}
