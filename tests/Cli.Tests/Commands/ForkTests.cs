using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

/// <summary><c>statehouse fork SOURCE TARGET --at TS [--replace]</c> against a real worker.</summary>
public sealed class ForkTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    [Fact]
    public async Task Fork_AtCommitTs_CopiesThatStateWithANoteAndRefusesANonEmptyTargetUnlessReplace()
    {
        await RunAsync("put", "run-1", "step", "1");
        await RunAsync("put", "run-1", "plan", """{"goal":"x","done":[1,2]}""");
        await RunAsync("put", "run-1", "step", "2");

        var fork = (await RunAsync("fork", "run-1", "run-2", "--at", "2", "--json")).ExpectExit(0).Json();
        Assert.Equal(4, (long?)fork["commit_ts"]);
        Assert.Equal(1, (long?)(await RunAsync("get", "run-2", "step", "--json")).ExpectExit(0).Json()["value"]);
        Assert.Equal("""{"goal":"x","done":[1,2]}""", (await RunAsync("get", "run-2", "plan", "--json")).ExpectExit(0).Json()["value"]!.ToJsonString());
        var note = (await RunAsync("get", "run-2", "statehouse.fork", "--json")).ExpectExit(0).Json()["value"]!;
        Assert.Equal(("run-1", "default", 2L, (string?)fork["txn_id"]),
            ((string?)note["source_agent"], (string?)note["namespace"], (long?)note["commit_ts"], (string?)note["txn_id"]));

        var refused = (await RunAsync("fork", "run-1", "run-2", "--at", "3")).ExpectExit(4);
        Assert.Contains("CONFLICT", refused.Stderr);
        Assert.Contains("'run-2'", refused.Stderr);
        Assert.Contains("has 3 live keys", refused.Stderr);

        var replaced = (await RunAsync("fork", "run-1", "run-2", "--at", "3", "--replace")).ExpectExit(0);
        Assert.Contains("at commit_ts 5", replaced.Stdout);
        Assert.Equal(2, (long?)(await RunAsync("get", "run-2", "step", "--json")).ExpectExit(0).Json()["value"]);
        Assert.Equal(1, (long?)(await RunAsync("get", "run-1", "step", "--version", "1", "--json")).ExpectExit(0).Json()["value"]);
    }

    [Fact]
    public async Task Fork_BadArguments_UsageOrInvalidRequest()
    {
        await RunAsync("put", "run-1", "step", "1");

        Assert.Contains("--at", (await RunAsync("fork", "run-1", "run-2")).ExpectExit(2).Stderr);
        Assert.Contains("--at must be at least 1", (await RunAsync("fork", "run-1", "run-2", "--at", "0")).ExpectExit(2).Stderr);
        Assert.Contains("into itself", (await RunAsync("fork", "run-1", "run-1", "--at", "1")).ExpectExit(2).Stderr);
        var beyond = (await RunAsync("fork", "run-1", "run-2", "--at", "9")).ExpectExit(4);
        Assert.Contains("INVALID_REQUEST", beyond.Stderr);
        Assert.Contains("beyond the last commit_ts 1", beyond.Stderr);
    }

    [Fact]
    public async Task Fork_WorkerNotAnswering_SaysHowToSettleItWithoutTxnIdOptionForkLacks()
    {
        await RunAsync("put", "run-1", "step", "1");
        await Worker.TerminateAsync();
        Assert.Equal(0, await Worker.WaitForExitAsync(Patience));

        var timedOut = (await RunAsync("fork", "run-1", "run-2", "--at", "1", "--timeout", "2")).ExpectExit(3);

        Assert.Contains("is unknown until its deadline", timedOut.Stderr);
        Assert.Contains("read the target's note (statehouse get TARGET statehouse.fork)", timedOut.Stderr);
        Assert.DoesNotContain("--txn-id", timedOut.Stderr);
    }
}
