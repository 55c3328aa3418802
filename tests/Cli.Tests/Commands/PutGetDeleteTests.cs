using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

public sealed class PutGetDeleteTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    [Fact]
    public async Task Put_ThenGet_ShowsValueVersionAndCommitTs()
    {
        var put = (await RunAsync("put", "agent-a", "profile", """{"name":"Ada","tools":["search",2],"score":1.5}""")).ExpectExit(0);
        Assert.Contains("at commit_ts 1", put.Stdout);
        Assert.Contains(put.Lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["agent-a", "profile", "1"]);

        var get = (await RunAsync("get", "agent-a", "profile")).ExpectExit(0);
        Assert.Contains(get.Lines, l => l.StartsWith("version", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(get.Lines, l => l.StartsWith("value", StringComparison.Ordinal) && l.Contains("""{"name":"Ada","tools":["search",2],"score":1.5}""", StringComparison.Ordinal));

        var json = (await RunAsync("--json", "get", "agent-a", "profile")).ExpectExit(0).Json();
        Assert.Equal("default", (string?)json["namespace"]);
        Assert.Equal("agent-a", (string?)json["agent"]);
        Assert.True((bool?)json["exists"]);
        Assert.Equal(1, (long?)json["version"]);
        Assert.Equal(1, (long?)json["commit_ts"]);
        Assert.Equal("Ada", (string?)json["value"]?["name"]);
        Assert.Equal(1.5, (double?)json["value"]?["score"]);
    }

    [Fact]
    public async Task Put_Json_PrintsCommitTsAndVersions()
    {
        await RunAsync("put", "agent-a", "step", "1");
        var json = (await RunAsync("put", "agent-a", "step", "2", "--json")).ExpectExit(0).Json();
        Assert.Equal(2, (long?)json["commit_ts"]);
        Assert.False(string.IsNullOrEmpty((string?)json["txn_id"]));
        var version = Assert.Single(json["versions"]!.AsArray());
        Assert.Equal("step", (string?)version!["key"]);
        Assert.Equal(2, (long?)version["version"]);

        // "-" reads the value from stdin.
        (await RunWithInputAsync("""["from", "stdin"]""", "put", "agent-a", "list", "-")).ExpectExit(0);
        Assert.Equal("""["from","stdin"]""", (await RunAsync("get", "agent-a", "list", "--json")).ExpectExit(0).Json()["value"]!.ToJsonString());
    }

    [Fact]
    public async Task Get_MissingKey_ExitsOne()
    {
        var human = (await RunAsync("get", "agent-a", "nothing")).ExpectExit(1);
        Assert.Equal("", human.Stdout);
        Assert.Contains("not found", human.Stderr);

        var json = (await RunAsync("get", "agent-a", "nothing", "--json")).ExpectExit(1).Json();
        Assert.False((bool?)json["exists"]);
        Assert.Equal(0, (long?)json["version"]);
    }

    [Fact]
    public async Task Get_VersionAndAsOf_ReadThePast()
    {
        await RunAsync("put", "agent-a", "k", "\"first\"");
        await RunAsync("put", "agent-b", "other", "0");
        await RunAsync("put", "agent-a", "k", "\"second\"");

        Assert.Equal("first", (string?)(await RunAsync("get", "agent-a", "k", "--version", "1", "--json")).ExpectExit(0).Json()["value"]);
        Assert.Equal("second", (string?)(await RunAsync("get", "agent-a", "k", "--json")).ExpectExit(0).Json()["value"]);

        var asOf = (await RunAsync("get", "agent-a", "k", "--as-of", "2", "--json")).ExpectExit(0).Json();
        Assert.Equal("first", (string?)asOf["value"]);
        Assert.Equal(1, (long?)asOf["commit_ts"]);

        var missingVersion = (await RunAsync("get", "agent-a", "k", "--version", "7")).ExpectExit(1);
        Assert.Contains("VERSION_NOT_FOUND", missingVersion.Stderr);
    }

    [Fact]
    public async Task Delete_ExistingKey_LeavesATombstone()
    {
        await RunAsync("put", "agent-a", "k", "{}");
        var delete = (await RunAsync("delete", "agent-a", "k", "--json")).ExpectExit(0).Json();
        Assert.Equal(2, (long?)delete["commit_ts"]);
        Assert.Equal(2, (long?)delete["versions"]![0]!["version"]);

        var gone = (await RunAsync("get", "agent-a", "k")).ExpectExit(1);
        Assert.Contains("deleted (version 2, commit_ts 2)", gone.Stderr);
        Assert.Equal("{}", (await RunAsync("get", "agent-a", "k", "--version", "1", "--json")).ExpectExit(0).Json()["value"]!.ToJsonString());
    }

    [Fact]
    public async Task Delete_MissingKey_WritesTombstoneVersionOne()
    {
        // The same meaning as the client's tx.Delete: a delete always commits a tombstone.
        var delete = (await RunAsync("delete", "agent-a", "never", "--json")).ExpectExit(0).Json();
        Assert.Equal(1, (long?)delete["commit_ts"]);
        Assert.Equal(1, (long?)delete["versions"]![0]!["version"]);

        var gone = (await RunAsync("get", "agent-a", "never")).ExpectExit(1);
        Assert.Contains("deleted (version 1, commit_ts 1)", gone.Stderr);
    }

    [Fact]
    public async Task Delete_MissingKeyWithExpectVersion_ExitsFourAndWritesNothing()
    {
        (await RunAsync("delete", "agent-a", "never", "--expect-version", "1")).ExpectExit(4);
        var health = (await RunAsync("health", "--json")).ExpectExit(0).Json();
        Assert.Equal(0, (long?)health["last_commit_ts"]);
    }

    [Fact]
    public async Task Put_WrongExpectedVersion_ExitsFourWithTheActualVersion()
    {
        await RunAsync("put", "agent-a", "k", "1");
        var conflict = (await RunAsync("put", "agent-a", "k", "2", "--expect-version", "5", "--json")).ExpectExit(4);
        Assert.Equal("", conflict.Stdout);
        var error = System.Text.Json.Nodes.JsonNode.Parse(conflict.Stderr)!;
        Assert.Equal("CONFLICT", (string?)error["code"]);
        Assert.Equal(4, (int?)error["exit_code"]);
        Assert.Equal(1, (long?)error["conflicts"]![0]!["actual_version"]);

        Assert.Equal(1, (long?)(await RunAsync("get", "agent-a", "k", "--json")).Json()["value"]);
        (await RunAsync("put", "agent-a", "k", "2", "--expect-version", "1")).ExpectExit(0);
    }

    [Theory]
    [InlineData("put", "lim", "", "1", "KEY")]
    [InlineData("put", "", "k", "1", "AGENT")]
    [InlineData("get", "lim", "", null, "KEY")]
    [InlineData("delete", "", "k", null, "AGENT")]
    public async Task Command_EmptyAgentOrKey_ExitsTwoNamingTheArgumentWithHelpHint(string command, string agent, string key, string? value, string named)
    {
        var result = (await RunAsync(value is null ? [command, agent, key] : [command, agent, key, value])).ExpectExit(2);

        Assert.Equal($"error: {named} must not be empty.\nRun 'statehouse {command} --help' for usage.\n", result.Stderr.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("Parameter", result.Stderr);
    }

    [Theory]
    [InlineData("18446744073709551616")]
    [InlineData("[123456789012345678901234567890]")]
    [InlineData("{\"x\": 1e400}")]
    public async Task Put_NumberMessagePackCannotHold_ExitsTwoAndWritesNothing(string json)
    {
        var result = (await RunAsync("put", "agent-a", "big", json)).ExpectExit(2);

        Assert.Contains("fits neither a 64-bit integer nor a finite 64-bit float", result.Stderr);
        (await RunAsync("get", "agent-a", "big")).ExpectExit(1);
    }

    [Fact]
    public async Task Get_StringWithAControlCharacter_JsonHoldsThatString()
    {
        await RunAsync("put", "agent-a", "ctl", "\"a\\u0001b\\u0000\"");

        var value = (await RunAsync("get", "agent-a", "ctl", "--json")).ExpectExit(0).Json()["value"];
        var dumped = (await RunAsync("dump", "--format", "jsonl")).ExpectExit(0).Lines[1];

        Assert.Equal("a\u0001b\u0000", (string?)value);
        Assert.Equal("a\u0001b\u0000", (string?)JsonNode.Parse(dumped)!["value"]);
    }

    [Fact]
    public async Task Get_StringAndNullValues_ShowsThemAsJson()
    {
        await RunAsync("put", "agent-a", "greeting", "\"hello world\"");
        await RunAsync("put", "agent-a", "nothing", "null");

        var greeting = (await RunAsync("get", "agent-a", "greeting")).ExpectExit(0);
        var nothing = (await RunAsync("get", "agent-a", "nothing")).ExpectExit(0);

        // As scan, dump, tail and replay -v show values: compact JSON.
        Assert.Contains(greeting.Lines, l => l.StartsWith("value", StringComparison.Ordinal) && l.EndsWith(" \"hello world\"", StringComparison.Ordinal));
        Assert.Contains(nothing.Lines, l => l.StartsWith("value", StringComparison.Ordinal) && l.EndsWith(" null", StringComparison.Ordinal));
        var scan = (await RunAsync("scan", "agent-a", "")).ExpectExit(0);
        Assert.Contains(scan.Lines, l => l.StartsWith("greeting", StringComparison.Ordinal) && l.EndsWith(" \"hello world\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_AsOfBeyondLastCommitTs_ExitsFourAndNamesTheLast()
    {
        await RunAsync("put", "agent-a", "k", "1");

        var future = (await RunAsync("get", "agent-a", "k", "--as-of", "99999")).ExpectExit(4);

        Assert.Equal("", future.Stdout);
        Assert.Contains("commit_ts 99999 is beyond the last commit_ts 1", future.Stderr);
        (await RunAsync("get", "agent-a", "k", "--as-of", "1")).ExpectExit(0);
    }

    [Fact]
    public async Task Put_WorkerNotAnswering_PrintsDeadlineAndTheResendThatSettlesIt()
    {
        await Worker.TerminateAsync();
        Assert.Equal(0, await Worker.WaitForExitAsync(Patience));
        var before = DateTimeOffset.UtcNow;

        var timedOut = (await RunAsync("put", "agent-a", "k", "1", "--timeout", "2")).ExpectExit(3);

        var match = Regex.Match(timedOut.Stderr, @"transaction (\w+) is unknown until its deadline (\S+Z) \(UTC\).*run the same command again with --txn-id (\w+)");
        Assert.True(match.Success, timedOut.ToString());
        Assert.Equal(match.Groups[1].Value, match.Groups[3].Value);
        var deadline = DateTimeOffset.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.InRange(deadline, before.AddSeconds(60), DateTimeOffset.UtcNow.AddSeconds(63));

        // Resent with its txn_id once a worker runs, the transaction is answered once: the queued message and the resend are one commit.
        await StartWorkerAsync(DataDirectory);
        var settled = (await RunAsync("put", "agent-a", "k", "1", "--txn-id", match.Groups[1].Value, "--json")).ExpectExit(0).Json();
        Assert.Equal(match.Groups[1].Value, (string?)settled["txn_id"]);
        Assert.Equal(1, (long?)settled["commit_ts"]);
        Assert.Equal(1, (long?)(await RunAsync("health", "--json")).ExpectExit(0).Json()["last_commit_ts"]);
    }
}
