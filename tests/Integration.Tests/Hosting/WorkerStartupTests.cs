using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Hosting;

public sealed class WorkerStartupTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Theory]
    [InlineData("Statehouse:Commit:MaxBatchCount", "0", "MaxBatchCount")]
    [InlineData("Statehouse:Broker:QueuePrefix", "bad prefix!", "QueuePrefix")]
    [InlineData("Statehouse:Commit:Prefetch", "10", "Prefetch")]
    [InlineData("Statehouse:Commit:MemoryBudgetBytes", "2097152", "MemoryBudgetBytes")]
    [InlineData("Statehouse:History:Retention:Namespaces:agents:KeepVersions", "0", "Statehouse:History:Retention:Namespaces:agents:KeepVersions")]
    public async Task Start_InvalidSetting_ExitsBeforeReadyNamingTheSetting(string key, string value, string named)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Scope.StartWorkerAsync((key, value)));

        Output.WriteLine(failure.Message);
        Assert.Contains("exited before it was ready", failure.Message, StringComparison.Ordinal);
        Assert.Contains(named, failure.Message.Split("Its output:")[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Statehouse:Commit:MaxBatchCount=-5")]
    [InlineData("Statehouse:Commit:MaxBatchCount=abc")]
    [InlineData("Statehouse:Commit:MaxBatchCount=-5", "Statehouse:Reads:Concurrency=0")]
    [InlineData("Statehouse:Commit:MaxBatchCount=abc", "Statehouse:Broker:DeliveryLimit=many")]
    [InlineData("Statehouse:Commit:Prefetch=10")]
    public async Task Start_InvalidSettings_LogsOneLinePerSettingInKeyFormAndExitsOne(params string[] settings)
    {
        var invalid = settings.Select(s => (Key: s[..s.IndexOf('=', StringComparison.Ordinal)], Value: s[(s.IndexOf('=', StringComparison.Ordinal) + 1)..])).ToArray();
        var worker = Scope.LaunchWorker(invalid);

        await Assert.ThrowsAsync<InvalidOperationException>(worker.WaitUntilReadyAsync);

        Output.WriteLine(worker.Log);
        Assert.Equal(1, worker.ExitCode);
        var lines = worker.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var failures = lines.Where(l => l.Contains("did not start: invalid setting: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(invalid.Length, failures.Count);
        foreach (var (key, _) in invalid)
        {
            Assert.Single(failures, l => l.Contains(key, StringComparison.Ordinal));
        }

        // Nothing but those lines: no stack trace, no exception type, no options-class names.
        Assert.Equal(failures.Count, lines.Length);
        Assert.DoesNotContain("   at ", worker.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", worker.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("StatehouseOptions", worker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_StoragePathIsARegularFile_ExitsOneWithOneLineAndNoStackTrace()
    {
        var file = Path.Combine(Path.GetTempPath(), $"statehouse-not-a-dir-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "not a store", Ct);
        try
        {
            var worker = Scope.LaunchWorker(("Statehouse:Storage:Path", file));

            await Assert.ThrowsAsync<InvalidOperationException>(worker.WaitUntilReadyAsync);

            Output.WriteLine(worker.Log);
            Assert.Equal(1, worker.ExitCode);
            Assert.Contains(file, worker.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", worker.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("Hosting failed to start", worker.Log, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Start_SecondWorkerOnSameStoreWithoutWaitForLock_ExitsAndFirstKeepsCommitting()
    {
        var client = await StartWorkerAndClientAsync();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Scope.StartWorkerAsync(("Statehouse:Storage:WaitForLock", "false")));
        var result = await CommitAsync(client, tx => tx.Write("agent", "k", "still the only writer"));

        Output.WriteLine(failure.Message);
        Assert.Contains("exited before it was ready", failure.Message, StringComparison.Ordinal);
        Assert.Contains(Scope.DataDirectory, failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, result.CommitTs);
    }

    [Fact]
    public async Task Start_SecondWorkerOnSameStore_WaitsAsStandbyAndTakesOverWhenFirstIsKilled()
    {
        var client = await StartWorkerAndClientAsync();
        var primary = Scope.Worker;
        await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));

        var standby = Scope.LaunchWorker();
        await standby.WaitForLogAsync("Standby", Patience);
        var whileStandby = await CommitAsync(client, tx => tx.Write("agent", "k", "v2"));
        Assert.False(standby.IsReady);

        // Published while no worker consumes: the standby must apply it once it has taken over.
        await using var inGap = client.BeginTransaction();
        inGap.Write("agent", "k", "v3");
        await primary.KillAsync();
        var gapCommit = inGap.CommitAsync(Ct);
        await standby.WaitUntilReadyAsync();
        var afterTakeover = await gapCommit;

        Assert.Equal(2, whileStandby.CommitTs);
        Assert.Equal(3, afterTakeover.CommitTs);
        var state = await client.GetStateAsync<string>("agent", "k", ct: Ct);
        Assert.Equal(("v3", 3L), (state.Value, state.Version));
        Assert.Equal(4, (await CommitAsync(client, tx => tx.Write("agent", "k", "v4"))).CommitTs);
    }

    [Fact]
    public async Task HealthAsync_RunningWorker_ReportsHealthyWithLastCommitTsAndVersions()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", 1));
        await CommitAsync(client, tx => tx.Write("agent", "k", 2));

        var health = await client.HealthAsync(Ct);
        var version = await client.ServerVersionAsync(Ct);

        Assert.True(health.Healthy, $"{health.Status}: {health.Detail}");
        Assert.Equal("ok", health.Status);
        Assert.Equal(2, health.LastCommitTs);
        Assert.Equal(WireFormat.SchemaVersion, health.SchemaVersion);
        Assert.False(string.IsNullOrWhiteSpace(version));
        Assert.Equal(health.ServerVersion, version);
    }
}
