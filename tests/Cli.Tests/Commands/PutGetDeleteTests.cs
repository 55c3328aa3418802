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
}
