using DotNet.Testcontainers.Containers;
using Statehouse.Client;
using Statehouse.Testcontainers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Testcontainers.Tests;

/// <summary>
/// Found in review of issue 15: what a user does with a container's lifecycle beyond start, commit, dispose, pinned as a
/// user of a Testcontainers module expects it.
/// </summary>
public sealed class StatehouseContainerLifecycleTests(ITestOutputHelper output) : ContainerTest(output)
{
    /// <summary>The ready wait gives up after 2 minutes; a second start of a running container has nothing to wait for.</summary>
    private static readonly TimeSpan s_secondStartBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StartAsync_AlreadyRunning_ReturnsWithoutWaitingForAnotherReadyLine()
    {
        await using var statehouse = NewBuilder().Build();
        await DockerResources.StartAsync(statehouse.StartAsync, Ct);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(s_secondStartBound);

        // The worker runs already, so no new ready line comes: a wait for one would end in a TimeoutException after the
        // 2-minute ready timeout (here, when the bound cancels it).
        var secondStart = await Record.ExceptionAsync(() => statehouse.StartAsync(bound.Token));
        await using var client = await StatehouseClient.ConnectAsync(statehouse.GetClientOptions(), Ct);
        var committed = await client.BeginTransaction().Write("planner", "plan", "once").CommitAsync(Ct);

        Assert.Null(secondStart);
        Assert.Equal(1, committed.CommitTs);
    }

    [Fact]
    public async Task StartAsync_WorkerRefusesASetting_FailsNamingTheSetting()
    {
        await using var statehouse = NewBuilder().WithWorkerSetting("Statehouse:Commit:MaxBatchCount", "-5").Build();

        // Testcontainers' ContainerNotRunningException carries the container's log, which has the worker's reason
        // ("invalid setting: The field Statehouse:Commit:MaxBatchCount must be between 1 and 10000 (got -5)"); the
        // user needs it there, since DisposeAsync removes the container and its log.
        var e = await Assert.ThrowsAnyAsync<Exception>(() => statehouse.StartAsync(Ct));

        Output.WriteLine($"{e.GetType().Name}: {e.Message}");
        Assert.IsType<ContainerNotRunningException>(e);
        Assert.Contains("Statehouse:Commit:MaxBatchCount", e.Message, StringComparison.Ordinal);
    }
}
