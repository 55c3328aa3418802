using System.Text.Json.Nodes;
using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Hosting;

/// <summary>Global options, environment variables, health, version, stats, and the exit codes of failures.</summary>
public sealed class GlobalOptionsTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    [Fact]
    public async Task Health_Version_Stats_ReportTheWorker()
    {
        await RunAsync("put", "a", "k", "1");

        var health = (await RunAsync("health", "--json")).ExpectExit(0).Json();
        Assert.True((bool?)health["healthy"]);
        Assert.Equal(1, (long?)health["last_commit_ts"]);
        Assert.Contains(((string?)(await RunAsync("health")).ExpectExit(0).Lines[0])!.Split(' ', StringSplitOptions.RemoveEmptyEntries), w => w == "true");

        var version = (await RunAsync("version", "--json")).ExpectExit(0).Json();
        Assert.False(string.IsNullOrEmpty((string?)version["server_version"]));
        Assert.False(string.IsNullOrEmpty((string?)version["cli_version"]));

        var stats = (await RunAsync("stats", "--json")).ExpectExit(0).Json();
        Assert.Equal(1, (long?)stats["committed"]);
        Assert.Equal(1, (long?)stats["last_commit_ts"]);
        Assert.True((long?)stats["synced_writes"] >= 1);
        Assert.True((long?)stats["reads"] >= 2);
        Assert.Contains((await RunAsync("stats")).ExpectExit(0).Lines, l => l.StartsWith("committed ", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("fork", "a", "b", "--at", "abc")]
    [InlineData("fork", "a", "b", "--at", "9223372036854775808")]
    [InlineData("get", "a", "k", "--version", "x")]
    [InlineData("import", "dump.jsonl", "--batch", "many")]
    [InlineData("tail", "a", "-n", "x")]
    [InlineData("dead-letters", "show", "x")]
    public async Task Command_NumberOptionThatIsNotANumber_ExitsTwoWithTheParsersMessage(params string[] arguments)
    {
        var result = (await RunAsync(arguments)).ExpectExit(2);

        Assert.Contains("error: Cannot parse argument", result.Stderr);
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }

    [Fact]
    public async Task Stats_RejectionsBesideCommits_ReportsGroupSizeApartFromCommitsPerSyncedWrite()
    {
        // Every message its own group: one commit, one refusal (a conflict), each recorded with its own fsync.
        await RunAsync("put", "a", "k", "1");
        (await RunAsync("put", "a", "k", "2", "--expect-version", "7")).ExpectExit(4);

        var stats = (await RunAsync("stats", "--json")).ExpectExit(0).Json();

        var syncedWrites = (long)stats["synced_writes"]!;
        Assert.Equal((1L, 1L), ((long?)stats["committed"], (long?)stats["rejected"]));
        Assert.Equal(3, syncedWrites); // creating the store is a synced write too
        Assert.Equal(Math.Round(1.0 / syncedWrites, 2), (double?)stats["commits_per_synced_write"]);
        Assert.Equal(2, (long?)stats["groups"]);
        Assert.Equal(1.0, (double?)stats["messages_per_group"]);
    }

    [Fact]
    public async Task Help_RestoreAndKeys_ListOnlyTheOptionsTheyUse()
    {
        var restore = (await RunRawAsync(null, ["restore", "--help"])).ExpectExit(0);
        var keys = (await RunRawAsync(null, ["keys", "--help"])).ExpectExit(0);

        foreach (var unused in new[] { "--amqp", "--prefix", "--queue-prefix", "--namespace", "--timeout" })
        {
            Assert.DoesNotContain(unused, restore.Stdout);
        }

        Assert.Contains("--json", restore.Stdout);
        Assert.Single(keys.Lines, l => l.TrimStart().StartsWith("--prefix", StringComparison.Ordinal));
        Assert.Single(keys.Lines, l => l.TrimStart().StartsWith("--queue-prefix", StringComparison.Ordinal));
        (await RunRawAsync(null, ["restore", "a", "b", "--amqp", "amqp://localhost/"])).ExpectExit(2);
    }

    [Fact]
    public async Task Namespace_SeparatesRecords()
    {
        await RunAsync("--namespace", "tenant-1", "put", "a", "k", "\"one\"");
        (await RunAsync("get", "a", "k")).ExpectExit(1);
        var json = (await RunAsync("get", "a", "k", "-N", "tenant-1", "--json")).ExpectExit(0).Json();
        Assert.Equal("tenant-1", (string?)json["namespace"]);
        Assert.Equal("one", (string?)json["value"]);
    }

    [Fact]
    public async Task Environment_GivesBrokerAndPrefix()
    {
        var result = await RunRawAsync(null, ["health", "--json"], new Dictionary<string, string?>
        {
            ["STATEHOUSE_AMQP"] = Broker.BrokerUri.ToString(),
            ["STATEHOUSE_PREFIX"] = Prefix,
        });
        Assert.True((bool?)result.ExpectExit(0).Json()["healthy"]);
    }

    [Fact]
    public async Task Unreachable_Broker_ExitsThree()
    {
        var closedPort = DeadNodes.ClosedPort();
        var result = (await RunRawAsync(null, ["--amqp", $"amqp://guest:guest@127.0.0.1:{closedPort}/", "get", "a", "k"])).ExpectExit(3);
        Assert.Contains($"127.0.0.1:{closedPort}", result.Stderr);

        var json = (await RunRawAsync(null, ["--amqp", $"amqp://guest:guest@127.0.0.1:{closedPort}/", "--json", "tail", "a", "-f"])).ExpectExit(3);
        Assert.Equal(3, (int?)JsonNode.Parse(json.Stderr)!["exit_code"]);
    }

    [Fact]
    public async Task ClusterList_WithADeadNode_ConnectsToTheLiveOne()
    {
        // The nodes are tried in a random order: each run below meets the dead one first about half of the time.
        var nodes = $"{DeadNodes.Beside(Broker.BrokerUri)},{Broker.BrokerUri}";
        for (var i = 0; i < 3; i++)
        {
            var health = (await RunRawAsync(null, ["--amqp", nodes, "--prefix", Prefix, "health", "--json"])).ExpectExit(0).Json();
            Assert.True((bool?)health["healthy"]);
            (await RunRawAsync(null, ["--amqp", nodes, "--prefix", Prefix, "dead-letters", "list"])).ExpectExit(0);
        }
    }

    [Fact]
    public async Task ClusterList_OfNodesThatDisagree_ExitsTwoNamingTheDifference()
    {
        var result = (await RunRawAsync(null, ["--amqp", "amqp://u:p@127.0.0.1:5681/,amqp://u:q@127.0.0.1:5682/", "health"])).ExpectExit(2);

        Assert.Contains("--amqp must name the nodes of one cluster", result.Stderr);
        Assert.Contains("URI 2, 'amqp://127.0.0.1:5682/', differs from the first, 'amqp://127.0.0.1:5681/', in its user or password", result.Stderr);
        Assert.DoesNotContain("u:q", result.Stderr);
    }

    [Fact]
    public async Task NoWorkerForPrefix_ExitsThree()
    {
        var result = (await RunRawAsync(null, ["--amqp", Broker.BrokerUri.ToString(), "--prefix", Prefix + "-none", "--timeout", "5", "health"])).ExpectExit(3);
        Assert.Contains(Prefix + "-none", result.Stderr);
        (await RunRawAsync(null, ["--amqp", Broker.BrokerUri.ToString(), "--prefix", Prefix + "-none", "dead-letters", "list"])).ExpectExit(3);
    }

    [Fact]
    public async Task StoppedWorker_TimesOutWithExitThree()
    {
        await Worker.TerminateAsync();
        await Worker.WaitForExitAsync(Patience);

        // The queues remain, nobody answers: the read times out after --timeout.
        var result = (await RunAsync("--timeout", "2", "get", "a", "k")).ExpectExit(3);
        Assert.Contains("No reply from the worker", result.Stderr);
    }

    [Fact]
    public async Task UsageErrors_ExitTwo()
    {
        string[][] wrong =
        [
            [],
            ["get", "a"],
            ["get", "a", "k", "--version", "1", "--as-of", "1"],
            ["get", "a", "k", "--version", "0"],
            ["no-such-command"],
            ["put", "a", "k", "{not json"],
            ["replay", "a", "--start-ts", "5", "--end-ts", "2"],
            ["dump", "a", "--format", "yaml"],
            ["tail", "a", "--max-events", "1"],
            ["--timeout", "0", "health"],
            ["--amqp", "http://localhost/", "health"],
            ["--amqp", "amqp://u:p@127.0.0.1:5681/,amqp://other:p@127.0.0.1:5682/", "health"],
        ];

        foreach (var arguments in wrong)
        {
            var result = (await RunAsync(arguments)).ExpectExit(2);
            Assert.Equal("", result.Stdout);
            Assert.NotEqual("", result.Stderr);
        }

        var json = (await RunAsync("--json", "get", "a")).ExpectExit(2);
        Assert.Equal(2, (int?)JsonNode.Parse(json.Stderr)!["exit_code"]);
        Assert.Contains("Usage:", (await RunAsync("--help")).ExpectExit(0).Stdout);
    }
}
