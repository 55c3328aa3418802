using Statehouse.Client;
using Xunit.Abstractions;

namespace Statehouse.Testing.Integration;

/// <summary>
/// Base of every broker test: a fresh <see cref="StatehouseScope"/> per test (xunit makes one instance per test). The
/// test assembly declares the collection <see cref="CollectionName"/> with a <see cref="BrokerFixture"/> (xunit finds
/// collection definitions only in the test assembly).
/// </summary>
[Collection(CollectionName)]
public abstract class IntegrationTest : IAsyncLifetime
{
    /// <summary>The collection every broker test is in: they share one broker and run one at a time (they start worker processes).</summary>
    public const string CollectionName = "Broker";

    /// <summary>
    /// The collection of broker tests that spend most of their time waiting for a clock (a retention on the real
    /// clock, the broker's dead-letter retry timer): it runs beside <see cref="CollectionName"/> instead of after it, with
    /// a broker fixture of its own (the same broker when <c>STATEHOUSE_TEST_AMQP</c> is set). A test class joins it
    /// with <c>[Collection(IntegrationTest.ClockCollectionName)]</c>; the test assembly declares it.
    /// </summary>
    public const string ClockCollectionName = "Broker, waiting on a clock";

    /// <summary>Bound on any single wait for a result, so a hang fails the test instead of the run.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));

    protected IntegrationTest(BrokerFixture broker, ITestOutputHelper output)
    {
        Broker = broker;
        Output = output;
        Scope = new StatehouseScope(broker, output);
    }

    protected BrokerFixture Broker { get; }

    protected ITestOutputHelper Output { get; }

    protected StatehouseScope Scope { get; }

    /// <summary>Cancelled when the test overruns three minutes.</summary>
    protected CancellationToken Ct => _timeout.Token;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Starts the worker with default settings and connects one client.</summary>
    protected async Task<StatehouseClient> StartWorkerAndClientAsync()
    {
        await Scope.StartWorkerAsync();
        return await Scope.ConnectClientAsync();
    }

    /// <summary>Stages operations in a new transaction and commits it.</summary>
    protected async Task<CommitResult> CommitAsync(StatehouseClient client, Action<StatehouseTransaction> stage)
    {
        await using var tx = client.BeginTransaction();
        stage(tx);
        return await tx.CommitAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        await Scope.DisposeAsync();
        _timeout.Dispose();
    }
}
