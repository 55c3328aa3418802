using System.Text.Json.Nodes;
using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

/// <summary><c>--min-commit-ts</c>: reads that must include a given commit, answered once a worker has it, else exit code 3.</summary>
public sealed class MinCommitTsTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    protected override IEnumerable<string> WorkerSettings => ["--Statehouse:Reads:CatchUpWaitMilliseconds=500"];

    [Fact]
    public async Task Reads_MinCommitTsReached_Answer()
    {
        var put = (await RunAsync("put", "agent", "k", "1", "--json")).ExpectExit(0).Json();
        var commitTs = ((long)put["commit_ts"]!).ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(1, (long?)(await RunAsync("get", "agent", "k", "--min-commit-ts", commitTs, "--json")).ExpectExit(0).Json()["value"]);
        Assert.Contains("k", (await RunAsync("keys", "agent", "--min-commit-ts", commitTs)).ExpectExit(0).Stdout);
        (await RunAsync("scan", "agent", "", "--min-commit-ts", commitTs)).ExpectExit(0);
        (await RunAsync("dump", "agent", "--min-commit-ts", commitTs)).ExpectExit(0);
        (await RunAsync("replay", "agent", "--min-commit-ts", commitTs)).ExpectExit(0);
    }

    [Fact]
    public async Task Get_MinCommitTsNoWorkerHas_ExitsThreeSayingNotCaughtUp()
    {
        (await RunAsync("put", "agent", "k", "1")).ExpectExit(0);

        var result = (await RunAsync("--timeout", "2", "get", "agent", "k", "--min-commit-ts", "1000", "--json")).ExpectExit(3);

        var error = JsonNode.Parse(result.Stderr)!;
        Assert.Equal("NOT_CAUGHT_UP", (string?)error["code"]);
        Assert.Contains("below the read's min_commit_ts 1000", (string?)error["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_NegativeMinCommitTs_UsageError()
    {
        var result = (await RunAsync("get", "agent", "k", "--min-commit-ts", "-1")).ExpectExit(2);

        Assert.Contains("--min-commit-ts must be at least 0, got -1.", result.Stderr);
    }
}
