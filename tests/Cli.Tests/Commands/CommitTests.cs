using System.Text.Json.Nodes;
using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

public sealed class CommitTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    [Fact]
    public async Task Commit_File_AppliesEveryOperationAsOneTransaction()
    {
        await RunAsync("put", "planner", "old", "1");
        var file = await WriteAsync("""
            {
              "namespace": "default",
              "operations": [
                {"op": "expect", "agent": "planner", "key": "plan", "version": 0},
                {"op": "write", "agent": "planner", "key": "plan", "value": {"steps": ["a", "b"], "done": false}},
                {"op": "write", "agent": "executor", "key": "queue", "value": [1, 2, 3]},
                {"op": "delete", "agent": "planner", "key": "old"}
              ]
            }
            """);

        var human = (await RunAsync("commit", file)).ExpectExit(0);
        Assert.Contains("at commit_ts 2", human.Lines[0]);
        Assert.Equal(["AGENT", "KEY", "VERSION"], human.Lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(
            [["planner", "plan", "1"], ["executor", "queue", "1"], ["planner", "old", "2"]],
            human.Lines.Skip(2).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray());

        var replay = (await RunAsync("replay", "planner", "--json")).ExpectExit(0).Json().AsArray();
        Assert.Equal(2, (long?)replay[1]!["commit_ts"]);
        Assert.Equal(2, replay[1]!["operations"]!.AsArray().Count);
        Assert.Equal("[1,2,3]", (await RunAsync("get", "executor", "queue", "--json")).Json()["value"]!.ToJsonString());
    }

    [Fact]
    public async Task Commit_Stdin_WithTxnId_IsAppliedOnce()
    {
        const string body = """{"txn_id": "cli-test-txn-1", "operations": [{"op": "write", "agent": "a", "key": "k", "value": "v"}]}""";
        var first = (await RunWithInputAsync(body, "commit", "-", "--json")).ExpectExit(0).Json();
        var again = (await RunWithInputAsync(body, "commit", "-", "--json")).ExpectExit(0).Json();

        Assert.Equal("cli-test-txn-1", (string?)first["txn_id"]);
        Assert.Equal(1, (long?)first["commit_ts"]);
        Assert.Equal(first.ToJsonString(), again.ToJsonString());
        Assert.Equal(1, (long?)(await RunAsync("stats", "--json")).Json()["duplicates"]);
    }

    [Fact]
    public async Task Commit_FailedExpectation_ExitsFourAndWritesNothing()
    {
        await RunAsync("put", "a", "guard", "1");
        var file = await WriteAsync("""
            {"operations": [
              {"op": "expect", "agent": "a", "key": "guard", "version": 3},
              {"op": "write", "agent": "a", "key": "new", "value": 1}
            ]}
            """);

        var human = (await RunAsync("commit", file)).ExpectExit(4);
        Assert.Contains("CONFLICT", human.Stderr);
        var json = (await RunAsync("commit", file, "--json")).ExpectExit(4);
        var error = JsonNode.Parse(json.Stderr)!;
        Assert.Equal("CONFLICT", (string?)error["code"]);
        Assert.Equal("guard", (string?)error["conflicts"]![0]!["key"]);
        Assert.Equal(1, (long?)error["conflicts"]![0]!["actual_version"]);

        (await RunAsync("get", "a", "new")).ExpectExit(1);
    }

    [Fact]
    public async Task Commit_MalformedFile_ExitsTwoAndSendsNothing()
    {
        (string Content, string Message)[] cases =
        [
            ("""{"operations": [}""", "not valid JSON"),
            ("[]", "must be a JSON object"),
            ("""{"operations": []}""", "at least one write or delete"),
            ("""{"operations": [{"op": "upsert", "agent": "a", "key": "k"}]}""", "operations[0] has op \"upsert\""),
            ("""{"operations": [{"op": "write", "agent": "a", "key": "k"}]}""", "without a \"value\""),
            ("""{"operations": [{"op": "write", "agent": "a", "key": "k", "value": 1, "vaule": 2}]}""", "unknown field \"vaule\""),
            ("""{"operations": [{"op": "expect", "agent": "a", "key": "k", "version": -1}]}""", "without a \"version\""),
            ("""{"operations": [{"op": "delete", "key": "k"}]}""", "non-empty string \"agent\""),
        ];

        foreach (var (content, message) in cases)
        {
            var result = (await RunAsync("commit", await WriteAsync(content))).ExpectExit(2);
            Assert.Contains(message, result.Stderr);
        }

        var stats = (await RunAsync("stats", "--json")).Json();
        Assert.Equal(0, (long?)stats["committed"] + (long?)stats["rejected"]);
    }

    [Fact]
    public async Task Commit_MissingFile_ExitsTwo()
    {
        var result = (await RunAsync("commit", Path.Combine(DataDirectory, "absent.json"))).ExpectExit(2);
        Assert.Contains("Cannot read the commit file", result.Stderr);
    }

    [Theory]
    [InlineData("txn_id", "Commit file: the file has an empty \"txn_id\" (leave it out for a new one).")]
    [InlineData("namespace", "Commit file: the file has an empty \"namespace\" (leave it out for --namespace).")]
    public async Task Commit_EmptyTxnIdOrNamespace_ExitsTwoInTheCliWordsWithHelpHint(string field, string message)
    {
        var file = await WriteAsync($$"""{"{{field}}": "", "operations": [{"op": "write", "agent": "a", "key": "k", "value": 1}]}""");

        var result = (await RunAsync("commit", file)).ExpectExit(2);

        Assert.Equal($"error: {message}\nRun 'statehouse commit --help' for usage.\n", result.Stderr.ReplaceLineEndings("\n"));
        Assert.Equal(0, (long?)(await RunAsync("health", "--json")).ExpectExit(0).Json()["last_commit_ts"]);
    }

    private async Task<string> WriteAsync(string content)
    {
        var file = Path.Combine(DataDirectory, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(file, content);
        return file;
    }
}
