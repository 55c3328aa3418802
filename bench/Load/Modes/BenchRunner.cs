using System.Text;
using Npgsql;
using RabbitMQ.Client;
using Statehouse.Bench.Load;
using Statehouse.Bench.Output;
using Statehouse.Bench.Processes;
using Statehouse.Bench.Results;

namespace Statehouse.Bench.Modes;

/// <summary>
/// The comparison: each requested mode in turn, on the same broker with the same load. Half load runs the worker and
/// the echo server open loop at half the group-commit throughput measured in this run (measured first if needed).
/// </summary>
internal sealed class BenchRunner(RunSettings settings, ProgressView view)
{
    public async Task<BenchRun> RunAsync(IReadOnlyList<string> modes, MachineInfo machine, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var runner = new ModeRunner(settings, view);
        var results = new List<ModeResult>();
        foreach (var mode in modes)
        {
            switch (mode)
            {
                case ModeNames.Echo:
                    results.Add(await runner.RunEchoAsync(mode, settings.ClosedLoop, ct));
                    break;
                case ModeNames.Commit:
                    results.Add(await runner.RunCommitAsync(mode, settings.ClosedLoop, settings.MaxBatchCount, ct));
                    break;
                case ModeNames.CommitBatch1:
                    results.Add(await runner.RunCommitAsync(mode, settings.ClosedLoop, maxBatchCount: 1, ct));
                    break;
                case ModeNames.CommitReplicated:
                    results.Add(await runner.RunCommitReplicatedAsync(mode, settings.ClosedLoop, ct));
                    break;
                case ModeNames.Postgres:
                    results.Add(await runner.RunPostgresAsync(mode, settings.ClosedLoop, ct));
                    break;
                case ModeNames.HalfLoad:
                    var max = results.FirstOrDefault(r => r.Mode == ModeNames.Commit);
                    if (max is null)
                    {
                        max = await runner.RunCommitAsync(ModeNames.Commit, settings.ClosedLoop, settings.MaxBatchCount, ct);
                        results.Add(max);
                    }

                    var half = new LoadPlan(settings.Warmup, settings.Duration, RatePerSecond: Math.Max(1, max.TxPerSecond / 2));
                    results.Add(await runner.RunCommitAsync(ModeNames.CommitHalf, half, settings.MaxBatchCount, ct));
                    results.Add(await runner.RunEchoAsync(ModeNames.EchoHalf, half, ct));
                    break;
                default:
                    throw new ArgumentException($"Unknown mode '{mode}'; modes: {string.Join(", ", ModeNames.Known)}.");
            }
        }

        return new BenchRun(started, machine, settings.Shape, settings.Prefetch, settings.MaxBatchCount,
            settings.Warmup.TotalSeconds, settings.Duration.TotalSeconds, results);
    }

    /// <summary>RabbitMQ's version, from the connection handshake.</summary>
    public static async Task<string?> BrokerVersionAsync(Uri uri, CancellationToken ct)
    {
        var factory = new ConnectionFactory { Uri = uri, ClientProvidedName = "statehouse-bench-probe" };
        await using var connection = await factory.CreateConnectionAsync(ct);
        return connection.ServerProperties?.TryGetValue("version", out var version) == true && version is byte[] bytes
            ? "RabbitMQ " + Encoding.UTF8.GetString(bytes)
            : null;
    }

    public static async Task<string?> PostgresVersionAsync(string? connectionString, CancellationToken ct)
    {
        if (connectionString is null)
        {
            return null;
        }

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SHOW server_version");
        return "PostgreSQL " + await command.ExecuteScalarAsync(ct);
    }

    /// <summary>Machine figures, with the fsync probe in the directory the stores go to.</summary>
    public static async Task<MachineInfo> DescribeMachineAsync(RunSettings settings, bool withPostgres, CancellationToken ct) =>
        MachineProbe.Describe(settings.StateDirectory,
            await BrokerVersionAsync(settings.BrokerUri, ct),
            withPostgres ? await PostgresVersionAsync(settings.PostgresConnectionString, ct) : null);
}
