using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Hosting;

/// <summary>
/// One deployment, one history: a queue prefix is served only by workers on the store that first claimed it. A worker
/// on another store (a fresh or foreign directory) consumes neither commits nor reads and exits non-zero; a standby on
/// the same directory still takes over (see <see cref="WorkerStartupTests"/>).
/// </summary>
public sealed partial class DeploymentIdentityTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    private const int Reads = 20;

    [Fact]
    public async Task Start_SecondWorkerOnOtherStore_ExitsNonZeroAndReadsNeverAlternate()
    {
        var client = await StartWorkerAndClientAsync();
        var primary = Scope.Worker;
        await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));

        var other = Scope.LaunchWorker(("Statehouse:Storage:Path", Scope.OtherDataDirectory("other")));
        // Ready (it would then share the read queue) or gone: either way the reads below show who answers.
        var notReady = await Record.ExceptionAsync(other.WaitUntilReadyAsync);
        var found = 0;
        for (var i = 0; i < Reads; i++)
        {
            found += (await client.GetStateAsync<string>("agent", "k", ct: Ct)).Exists ? 1 : 0;
        }

        Output.WriteLine($"reads that found the committed key: {found} of {Reads}; other store's worker: " +
            (notReady is null ? "ready" : $"exited with code {other.ExitCode}"));
        Assert.Equal(Reads, found);
        Assert.IsType<InvalidOperationException>(notReady);
        Assert.NotEqual(0, other.ExitCode);
        var refusal = RefusalLine(other.Log);
        Assert.Contains(StoreId(primary.Log), refusal, StringComparison.Ordinal);
        Assert.Contains(StoreId(other.Log), refusal, StringComparison.Ordinal);
        Assert.Contains("Statehouse:Storage:Path", refusal, StringComparison.Ordinal);
        Assert.Contains("restore", refusal, StringComparison.Ordinal);
        Assert.False(primary.HasExited);
    }

    [Fact]
    public async Task Start_OtherStoreAfterPrimaryStopped_NeverHandsOutACommitTsAgain()
    {
        var client = await StartWorkerAndClientAsync();
        var first = await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));
        Assert.Equal(0, await Scope.Worker.StopAsync());

        var other = Scope.LaunchWorker(("Statehouse:Storage:Path", Scope.OtherDataDirectory("other")));
        var notReady = await Record.ExceptionAsync(other.WaitUntilReadyAsync);
        // Published while no worker of the deployment's store runs: only the other store's worker could take it.
        await using var pending = client.BeginTransaction();
        pending.Write("agent", "k", "v2");
        var second = pending.CommitAsync(Ct);
        await Scope.StartWorkerAsync();
        var result = await second;

        Output.WriteLine($"first commit_ts {first.CommitTs}; the commit published after the primary stopped got commit_ts {result.CommitTs}, " +
            $"version {result.VersionOf("agent", "k")}");
        Assert.Equal((2L, 2L), (result.CommitTs, result.VersionOf("agent", "k")));
        Assert.IsType<InvalidOperationException>(notReady);
        Assert.NotEqual(0, other.ExitCode);
        var state = await client.GetStateAsync<string>("agent", "k", ct: Ct);
        Assert.Equal(("v2", 2L), (state.Value, state.Version));
    }

    [Fact]
    public async Task Start_TwoFreshWorkersOnOtherStoresAtOnce_ExactlyOneServes()
    {
        var workers = new[]
        {
            Scope.LaunchWorker(("Statehouse:Storage:Path", Scope.OtherDataDirectory("a"))),
            Scope.LaunchWorker(("Statehouse:Storage:Path", Scope.OtherDataDirectory("b"))),
        };

        var outcomes = await Task.WhenAll(workers.Select(w => Record.ExceptionAsync(w.WaitUntilReadyAsync)));

        var serving = workers.Where((_, i) => outcomes[i] is null).ToList();
        Output.WriteLine($"workers that became ready: {serving.Count} of {workers.Length}");
        Assert.Single(serving);
        var refused = workers.Single(w => !serving.Contains(w));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains(StoreId(serving[0].Log), RefusalLine(refused.Log), StringComparison.Ordinal);

        var client = await Scope.ConnectClientAsync();
        Assert.Equal(1, (await CommitAsync(client, tx => tx.Write("agent", "k", "v1"))).CommitTs);
    }

    private static string RefusalLine(string log) =>
        log.Split('\n').FirstOrDefault(l => l.Contains("Statehouse worker refused", StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"The worker logged no refusal. Its output:\n{log}");

    private static string StoreId(string log) =>
        StoreIdPattern().Match(log) is { Success: true } match
            ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException($"The worker logged no store id. Its output:\n{log}");

    [GeneratedRegex("store id ([0-9a-f-]{36})")]
    private static partial Regex StoreIdPattern();
}
