using System.Text.Json.Nodes;
using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

public sealed class ReplayTailTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    [Fact]
    public async Task Replay_History_InCommitOrderWithOnlyTheAgentsOperations()
    {
        await CommitHistoryAsync();

        var json = (await RunAsync("replay", "agent-a", "--json")).ExpectExit(0).Json().AsArray();
        Assert.Equal(new long[] { 1, 3, 4 }, json.Select(e => (long)e!["commit_ts"]!));
        Assert.All(json, e => Assert.Equal("agent-a", (string?)e!["agent"]));
        var third = json[2]!["operations"]!.AsArray();
        Assert.Equal(["write", "delete"], third.Select(o => (string?)o!["op"]));
        Assert.Equal("done", (string?)third[0]!["value"]);
        Assert.Null(third[1]!["value"]);

        var window = (await RunAsync("replay", "agent-a", "--start-ts", "2", "--end-ts", "3", "--json")).ExpectExit(0).Json().AsArray();
        Assert.Equal(3, (long?)Assert.Single(window)!["commit_ts"]);
        var limited = (await RunAsync("replay", "agent-a", "--limit", "2", "--json")).ExpectExit(0).Json().AsArray();
        Assert.Equal(new long[] { 1, 3 }, limited.Select(e => (long)e!["commit_ts"]!));
    }

    [Fact]
    public async Task Replay_HumanOutput_SummaryOrVerboseRows()
    {
        await CommitHistoryAsync();

        var summary = (await RunAsync("replay", "agent-a")).ExpectExit(0);
        Assert.Equal(4, summary.Lines.Count);
        Assert.EndsWith("write status v3, delete scratch v2", summary.Lines[3], StringComparison.Ordinal);

        var verbose = (await RunAsync("replay", "agent-a", "--verbose")).ExpectExit(0);
        Assert.Equal(["COMMIT_TS", "TXN_ID", "OP", "KEY", "VERSION", "VALUE"], verbose.Lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(6, verbose.Lines.Count);
        Assert.Contains(verbose.Lines, l => l.StartsWith("3 ", StringComparison.Ordinal) && l.Contains(" write ", StringComparison.Ordinal) && l.EndsWith("\"working\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tail_LastN_ShowsTheLatestTransactions()
    {
        await CommitHistoryAsync();

        var json = (await RunAsync("tail", "agent-a", "-n", "2", "--json")).ExpectExit(0).Json().AsArray();
        Assert.Equal(new long[] { 3, 4 }, json.Select(e => (long)e!["commit_ts"]!));

        var human = (await RunAsync("tail", "agent-a", "-n", "1")).ExpectExit(0);
        Assert.Equal(3, human.Lines.Count);
        Assert.All(human.Lines.Skip(1), l => Assert.StartsWith("4 ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TailFollow_NewCommit_PrintsItAndExitsAfterMaxEvents()
    {
        await CommitHistoryAsync();
        var tail = StartCli("tail", "agent-a", "-n", "1", "-f", "--max-events", "2", "--json");
        await tail.WaitForLineAsync("following commits of agent 'agent-a'", Patience);

        // Another agent's commit is not shown; the two of agent-a are, each one JSON line.
        (await RunAsync("put", "agent-b", "noise", "true")).ExpectExit(0);
        (await RunAsync("put", "agent-a", "status", "\"followed\"")).ExpectExit(0);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "two.json"), """
            {"operations": [
              {"op": "write", "agent": "agent-a", "key": "x", "value": {"deep": [1, 2]}},
              {"op": "write", "agent": "agent-b", "key": "y", "value": 1}
            ]}
            """);
        (await RunAsync("commit", Path.Combine(DataDirectory, "two.json"))).ExpectExit(0);

        Assert.Equal(0, await tail.WaitForExitAsync(Patience));
        Output.WriteLine($"tail stdout:\n{tail.Stdout}\ntail stderr:\n{tail.Stderr}");
        var events = tail.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(new long[] { 4, 6, 7 }, events.Select(e => (long)e["commit_ts"]!));
        Assert.Equal("followed", (string?)events[1]["operations"]![0]!["value"]);
        var last = Assert.Single(events[2]["operations"]!.AsArray());
        Assert.Equal("x", (string?)last!["key"]);
        Assert.Equal("[1,2]", last["value"]!["deep"]!.ToJsonString());
    }

    [Fact]
    public async Task TailFollow_Sigterm_StopsWithExitZero()
    {
        var tail = StartCli("tail", "agent-a", "-f");
        await tail.WaitForLineAsync("following commits", Patience);
        (await RunAsync("put", "agent-a", "k", "42")).ExpectExit(0);
        await tail.WaitForLineAsync(" write  k ", Patience);

        await tail.TerminateAsync();
        Assert.Equal(0, await tail.WaitForExitAsync(Patience));
        Assert.Contains(tail.Stdout.Split('\n'), l => l.StartsWith("1 ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 42", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TailAllFollow_NamespaceCommits_PrintsEachWholeWithItsAgentsAndSkipsOtherNamespaces()
    {
        await CommitHistoryAsync();
        var tail = StartCli("tail", "--all", "-n", "2", "-f", "--max-events", "2", "--json");
        await tail.WaitForLineAsync("following commits of every agent in namespace 'default' after commit_ts 4", Patience);

        (await RunAsync("put", "agent-c", "elsewhere", "1", "--namespace", "other")).ExpectExit(0);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "both.json"), """
            {"operations": [
              {"op": "write", "agent": "agent-a", "key": "x", "value": "a"},
              {"op": "write", "agent": "agent-b", "key": "y", "value": "b"}
            ]}
            """);
        (await RunAsync("commit", Path.Combine(DataDirectory, "both.json"))).ExpectExit(0);
        (await RunAsync("delete", "agent-b", "status")).ExpectExit(0);

        Assert.Equal(0, await tail.WaitForExitAsync(Patience));
        Output.WriteLine($"tail stdout:\n{tail.Stdout}\ntail stderr:\n{tail.Stderr}");
        var events = tail.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        // The last two of the history (3 and 4), then the two new ones of the namespace; 5 was in another namespace.
        Assert.Equal(new long[] { 3, 4, 6, 7 }, events.Select(e => (long)e["commit_ts"]!));
        Assert.All(events, e => Assert.Null(e["agent"]));
        Assert.Equal([("agent-a", "x"), ("agent-b", "y")],
            events[2]["operations"]!.AsArray().Select(o => ((string)o!["agent"]!, (string)o["key"]!)));
        var deleted = Assert.Single(events[3]["operations"]!.AsArray())!;
        Assert.Equal(("delete", "agent-b"), ((string)deleted["op"]!, (string)deleted["agent"]!));
    }

    [Fact]
    public async Task TailAll_Human_ShowsAnAgentColumn()
    {
        await CommitHistoryAsync();

        var human = (await RunAsync("tail", "--all", "-n", "2")).ExpectExit(0);

        Assert.Equal(["COMMIT_TS", "TXN_ID", "OP", "AGENT", "KEY", "VERSION", "VALUE"], human.Lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(human.Lines, l => l.StartsWith("3 ", StringComparison.Ordinal) && l.Contains(" agent-a ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("agent-a", "--all")]
    [InlineData]
    public async Task Tail_AgentAndAllTogetherOrNeither_IsAUsageError(params string[] arguments)
    {
        var result = await RunAsync(["tail", .. arguments]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--all", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>commit_ts 1: agent-a status, scratch; 2: agent-b only; 3: agent-a status; 4: agent-a status, delete scratch.</summary>
    private async Task CommitHistoryAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "first.json"), """
            {"operations": [
              {"op": "write", "agent": "agent-a", "key": "status", "value": "started"},
              {"op": "write", "agent": "agent-a", "key": "scratch", "value": [1, 2, 3]}
            ]}
            """);
        (await RunAsync("commit", Path.Combine(DataDirectory, "first.json"))).ExpectExit(0);
        (await RunAsync("put", "agent-b", "status", "\"elsewhere\"")).ExpectExit(0);
        (await RunAsync("put", "agent-a", "status", "\"working\"")).ExpectExit(0);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "last.json"), """
            {"operations": [
              {"op": "expect", "agent": "agent-a", "key": "status", "version": 2},
              {"op": "write", "agent": "agent-a", "key": "status", "value": "done"},
              {"op": "delete", "agent": "agent-a", "key": "scratch"}
            ]}
            """);
        (await RunAsync("commit", Path.Combine(DataDirectory, "last.json"))).ExpectExit(0);
    }
}
