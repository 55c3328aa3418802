using System.Text.RegularExpressions;
using Statehouse.Client;
using Statehouse.Contracts;
using Statehouse.Reliability.Tests.Infrastructure;
using Statehouse.Testcontainers.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Testcontainers.Tests;

/// <summary>
/// The worker container stopped or killed (SIGKILL through the Docker API, as <c>docker kill</c>) and started again:
/// the same container, so the same store volume. Nothing acknowledged is lost, nothing is applied twice, no transaction
/// is left half applied.
/// </summary>
public sealed class WorkerRestartTests(ITestOutputHelper output) : ContainerTest(output)
{
    private const int Clients = 4;
    private const int Kills = 5;
    private const int CommitAttempts = 15;
    private static readonly TimeSpan s_commitTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan s_pace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_recovery = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task StopAsyncThenStartAsync_CommittedStateKept()
    {
        await using var statehouse = NewBuilder().Build();
        await DockerResources.StartAsync(statehouse.StartAsync, Ct);
        await using var client = await StatehouseClient.ConnectAsync(statehouse.GetClientOptions(), Ct);
        var committed = new List<CommitResult>();
        for (var i = 1; i <= 3; i++)
        {
            committed.Add(await client.BeginTransaction().Write("planner", $"step{i}", $"done {i}").Write("planner", "steps", i).CommitAsync(Ct));
        }

        await statehouse.StopAsync(Ct);
        var exitCode = await statehouse.GetExitCodeAsync(Ct);
        await statehouse.StartAsync(Ct);

        Assert.Equal(0, exitCode);
        for (var i = 1; i <= 3; i++)
        {
            var step = await client.GetStateAsync<string>("planner", $"step{i}", ct: Ct);
            Assert.Equal(($"done {i}", 1L, committed[i - 1].CommitTs), (step.Value, step.Version, step.CommitTs));
        }

        var steps = await client.GetStateAsync<int>("planner", "steps", ct: Ct);
        Assert.Equal((3, 3L, 3L), (steps.Value, steps.Version, steps.CommitTs));
        var next = await client.BeginTransaction().Write("planner", "steps", 4).CommitAsync(Ct);
        Assert.Equal((4L, 4L), (next.CommitTs, next.VersionOf("planner", "steps")));
    }

    [Fact]
    public async Task Kill_UnderLoadThenStartAsync_EveryAcknowledgedCommitKeptOnceAndWhole()
    {
        await using var statehouse = NewBuilder().Build();
        await DockerResources.StartAsync(statehouse.StartAsync, Ct);
        var clients = new List<StatehouseClient>();
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                var options = statehouse.GetClientOptions();
                (options.CommitTimeout, options.MaxCommitAttempts) = (s_commitTimeout, CommitAttempts);
                clients.Add(await StatehouseClient.ConnectAsync(options, Ct));
            }

            var workload = new CommitWorkload("container-kill");
            var kills = new List<(DateTimeOffset Killed, long ExitCode, TimeSpan Down)>();
            await workload.RunAroundAsync(clients, s_pace, async () =>
            {
                for (var k = 0; k < Kills; k++)
                {
                    if (k > 0)
                    {
                        // The load flows again before the next kill.
                        await workload.NextCommit.WaitAsync(s_recovery, Ct);
                        await Task.Delay(s_pace, Ct);
                    }

                    var killed = DateTimeOffset.UtcNow;
                    await Docker.KillAsync(statehouse.Id, Ct);
                    var exitCode = await statehouse.GetExitCodeAsync(Ct);
                    await statehouse.StartAsync(Ct);
                    kills.Add((killed, exitCode, DateTimeOffset.UtcNow - killed));
                }
            }, s_recovery, Ct);

            var report = await workload.CheckAsync(clients[0], s_commitTimeout * CommitAttempts + TimeSpan.FromSeconds(10), Ct);
            report.WriteTo(Output);
            var waitedAcross = kills.Sum(k => report.AnsweredAcross(k.Killed));
            Output.WriteLine($"kills: {string.Join("; ", kills.Select(k => $"exit code {k.ExitCode}, down {k.Down.TotalSeconds:F1} s"))}; " +
                $"{waitedAcross} calls waited across a kill and got their reply");
            var stateViolations = await CheckStoredStateAsync(clients[0], workload.Calls);
            var (stdout, stderr) = await statehouse.GetLogsAsync(ct: Ct);

            Assert.Empty(report.Violations);
            Assert.Empty(stateViolations);
            Assert.All(kills, k => Assert.Equal(137, k.ExitCode));
            Assert.Equal(Kills + 1, ReadyLines(stdout + stderr));
            Assert.True(report.Committed > Kills * Clients, $"only {report.Committed} commits: the load did not flow");
            Assert.True(waitedAcross > 0, "no call was waiting while the worker was down: the test did not test anything");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static int ReadyLines(string log) => Regex.Count(log, Regex.Escape(WorkerLogMarkers.Ready));

    /// <summary>
    /// The stored state of each client's agent: every acknowledged transaction's fresh key holds its value at version 1
    /// and its commit_ts, and the counter, which every transaction of the agent also wrote, moved once per fresh key
    /// stored (a transaction applied in part or twice would break that).
    /// </summary>
    private async Task<List<string>> CheckStoredStateAsync(StatehouseClient client, IReadOnlyList<WorkloadCall> calls)
    {
        var violations = new List<string>();
        for (var c = 0; c < Clients; c++)
        {
            var agent = CommitWorkload.Agent(c);
            var stored = new Dictionary<string, StateResult<string>>(StringComparer.Ordinal);
            await foreach (var entry in client.ScanPrefixAsync<string>(agent, "k", ct: Ct))
            {
                stored[entry.Key] = entry.State;
            }

            foreach (var call in calls.Where(call => call.Client == c && call.Result is not null))
            {
                var key = CommitWorkload.Key(call.Sequence);
                if (!stored.TryGetValue(key, out var state))
                {
                    violations.Add($"{call}: {agent}/{key} is not stored");
                }
                else if ((state.Value, state.Version, state.CommitTs) != (CommitWorkload.Value(c, call.Sequence), 1L, call.Result!.CommitTs))
                {
                    violations.Add($"{call}: {agent}/{key} holds '{state.Value}' version {state.Version} commit_ts {state.CommitTs}");
                }
            }

            var counter = await client.GetStateAsync<int>(agent, CommitWorkload.CounterKey, ct: Ct);
            if (counter.Version != stored.Count || counter.CommitTs != stored.Values.Max(s => s.CommitTs))
            {
                violations.Add($"{agent}: counter version {counter.Version} at commit_ts {counter.CommitTs}, but {stored.Count} fresh keys stored, the last at commit_ts {stored.Values.Max(s => s.CommitTs)}");
            }
        }

        return violations;
    }
}
