using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;

namespace Statehouse.Observability.Tests.Infrastructure;

/// <summary>
/// One worker with its metrics and health endpoint on a free loopback port and JSON logs at Debug, given a known history:
/// three committed transactions, one rejected with CONFLICT, one resent (a duplicate), then a read and a stats read.
/// The tests that share it only look.
/// </summary>
public sealed class CommittedWorkerFixture : IAsyncLifetime
{
    public const string Agent = "agent-obs";

    private WorkerUnderTest? _worker;
    private MonitoringClient? _monitoring;

    public WorkerUnderTest Worker => _worker ?? throw new InvalidOperationException("Not started.");

    public MonitoringClient Monitoring => _monitoring ?? throw new InvalidOperationException("Not started.");

    public List<CommitResult> Commits { get; } = [];

    public string ConflictTxnId { get; private set; } = "";

    public CommitResult Duplicate { get; private set; } = null!;

    public WorkerStats Stats { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await ObservabilityBroker.EnsureReachableAsync();
        _worker = WorkerUnderTest.Start(ObservabilityBroker.UniquePrefix(), ObservabilityBroker.Uri,
            "Statehouse:Http:Enabled=true",
            "Statehouse:Http:Port=0",
            "Statehouse:Broker:QueueProbeSeconds=0.2",
            "Logging:Console:FormatterName=json",
            "Logging:LogLevel:Statehouse.Worker=Debug");
        _monitoring = new MonitoringClient(await _worker.WaitForMonitoringAsync());
        await _worker.WaitUntilReadyAsync();

        await using var client = await StatehouseClient.ConnectAsync(new StatehouseClientOptions { Uri = ObservabilityBroker.Uri, QueuePrefix = _worker.Prefix });
        for (var i = 1; i <= 3; i++)
        {
            await using var tx = client.BeginTransaction();
            Commits.Add(await tx.Write(Agent, $"key-{i}", i).CommitAsync());
        }

        await using (var conflicting = client.BeginTransaction())
        {
            ConflictTxnId = conflicting.TxnId;
            conflicting.ExpectVersion(Agent, "key-1", 7).Write(Agent, "key-1", 99);
            await Assert.ThrowsAsync<StatehouseConflictException>(() => conflicting.CommitAsync());
        }

        // A resend of the first transaction (same txn_id) is answered from the inbox, not applied again.
        await using (var resent = client.BeginTransaction(txnId: Commits[0].TxnId))
        {
            Duplicate = await resent.Write(Agent, "key-1", 1).CommitAsync();
        }

        await client.GetStateAsync<int>(Agent, "key-2");
        Stats = await client.StatsAsync();
    }

    public async Task DisposeAsync()
    {
        _monitoring?.Dispose();
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
            await ObservabilityBroker.DeleteTopologyAsync(_worker.Prefix);
        }
    }
}
