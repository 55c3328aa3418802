using Statehouse.Client;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>
/// Base of every reliability test: the shared <see cref="IntegrationTest"/> (its collection, declared in this assembly
/// by <see cref="BrokerCollection"/>, gives these tests their own <see cref="BrokerFixture"/> and runs them one at a
/// time), plus a longer bound,
/// because these tests wait through broker restarts and storage outages on a loaded machine.
/// </summary>
public abstract class ReliabilityTest(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output), IDisposable
{
    /// <summary>Bound on one wait for a recovery (a broker boot, a storage outage, thousands of replies).</summary>
    protected static readonly TimeSpan Recovery = TimeSpan.FromMinutes(3);

    private readonly CancellationTokenSource _budget = new(TimeSpan.FromMinutes(8));

    /// <summary>Cancelled when the test overruns eight minutes.</summary>
    protected CancellationToken LongCt => _budget.Token;

    /// <summary>Connects <paramref name="count"/> clients to this test's worker, each with <paramref name="configure"/> applied.</summary>
    protected async Task<List<StatehouseClient>> ConnectClientsAsync(int count, Action<StatehouseClientOptions> configure)
    {
        var clients = new List<StatehouseClient>(count);
        for (var i = 0; i < count; i++)
        {
            clients.Add(await Scope.ConnectClientAsync(configure));
        }

        return clients;
    }

    public void Dispose()
    {
        _budget.Dispose();
        GC.SuppressFinalize(this);
    }
}
