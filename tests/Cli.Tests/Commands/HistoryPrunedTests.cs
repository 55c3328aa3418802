using System.Text.Json.Nodes;
using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

/// <summary>
/// The CLI below a worker's history horizon (Statehouse:History:Retention, KeepVersions 2 here): <c>get --version</c>,
/// <c>get --as-of</c> and <c>replay</c> exit 6 with HISTORY_PRUNED and the horizon; above it they answer as usual.
/// </summary>
public sealed class HistoryPrunedTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    protected override IEnumerable<string> WorkerSettings =>
        ["--Statehouse:History:Retention:Default:KeepVersions=2", "--Statehouse:History:PruneIntervalSeconds=0.5"];

    [Fact]
    public async Task GetAndReplay_BelowTheHorizon_ExitHistoryPrunedNamingTheHorizon()
    {
        for (var i = 1; i <= 5; i++)
        {
            (await RunAsync("put", "agent-a", "step", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExpectExit(0);
        }

        // Versions 4 and 5 stay; version 3 (commit_ts 3) is the newest pruned.
        await Worker.WaitForLogAsync("history horizon, commit_ts 4 (", Patience);

        foreach (var arguments in new[] { ["get", "agent-a", "step", "--version", "3"], ["get", "agent-a", "step", "--as-of", "2"], new[] { "replay", "agent-a" } })
        {
            var refused = (await RunAsync(arguments)).ExpectExit(6);
            Assert.Contains("HISTORY_PRUNED", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains("commit_ts 4", refused.Stderr, StringComparison.Ordinal);
        }

        var error = JsonNode.Parse((await RunAsync("get", "agent-a", "step", "--version", "1", "--json")).ExpectExit(6).Stderr)!;
        Assert.Equal(("HISTORY_PRUNED", 4L, 6), ((string?)error["code"], (long?)error["horizon"], (int?)error["exit_code"]));
        Assert.Equal(4, (int?)(await RunAsync("get", "agent-a", "step", "--version", "4", "--json")).ExpectExit(0).Json()["value"]);
        var replayed = (await RunAsync("replay", "agent-a", "--start-ts", "4", "--json")).ExpectExit(0).Json().AsArray();
        Assert.Equal(new long[] { 4, 5 }, replayed.Select(e => (long)e!["commit_ts"]!));
        var latest = (await RunAsync("get", "agent-a", "step", "--json")).ExpectExit(0).Json();
        Assert.Equal((5, 5L), ((int?)latest["value"], (long?)latest["version"]));
    }

    [Fact]
    public async Task Tail_AfterPruning_ShowsTheKeptLastTransactionsAndNamesTheHorizon()
    {
        for (var i = 1; i <= 5; i++)
        {
            (await RunAsync("put", "agent-t", "step", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExpectExit(0);
        }

        await Worker.WaitForLogAsync("history horizon, commit_ts 4 (", Patience);

        var kept = (await RunAsync("tail", "agent-t", "-n", "10", "--json")).ExpectExit(0);
        Assert.Equal(new long[] { 4, 5 }, kept.Json().AsArray().Select(e => (long)e!["commit_ts"]!));
        Assert.Contains("commit_ts 4", kept.Stderr, StringComparison.Ordinal);
        var last = (await RunAsync("tail", "--all", "-n", "1", "--json")).ExpectExit(0).Json().AsArray();
        Assert.Equal(5L, (long)Assert.Single(last)!["commit_ts"]!);
    }
}
