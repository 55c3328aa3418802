using System.CommandLine.Invocation;
using Statehouse.Examples.AgentWorkflow;

namespace Statehouse.Examples.Tests.AgentWorkflow;

/// <summary>The example's command line in-process: a bad argument is a usage error (exit 2) and nothing runs.</summary>
public sealed class WorkflowArgumentsTests
{
    [Theory]
    [InlineData("--amqp", "http://localhost/")]
    [InlineData("--resume")]
    [InlineData("--session", "no spaces allowed")]
    [InlineData("--crash-at-step", "0")]
    [InlineData("--pause-after-restore")]
    [InlineData("--session", "s1", "--resume", "--question", "What is a quorum queue?")]
    [InlineData("--question", "What is the weather?")]
    [InlineData("--crash-at-step", "three")]
    public async Task Parse_BadArgument_IsAUsageErrorAndRunsNothing(params string[] args)
    {
        var ran = false;
        var parse = WorkflowArguments.CreateCommand(_ => null, _ =>
        {
            ran = true;
            return Task.FromResult(ExitCodes.Done);
        }).Parse(args);

        var exitCode = await parse.InvokeAsync();

        // As Program.cs maps it: System.CommandLine's own parse errors exit with the usage code too.
        Assert.Equal(ExitCodes.Usage, parse.Action is ParseErrorAction ? ExitCodes.Usage : exitCode);
        Assert.False(ran);
    }

    [Fact]
    public async Task Parse_ResumeWithSession_RunsWithTheDefaultsFilledIn()
    {
        WorkflowArguments? parsed = null;
        var parse = WorkflowArguments.CreateCommand(name => name == "STATEHOUSE_PREFIX" ? "from-env" : null, arguments =>
        {
            parsed = arguments;
            return Task.FromResult(ExitCodes.Done);
        }).Parse(["--session", "s-1", "--resume", "--crash-at-step", "4"]);

        Assert.Equal(ExitCodes.Done, await parse.InvokeAsync());
        Assert.NotNull(parsed);
        Assert.Equal(("s-1", true, 4, "from-env", false), (parsed.SessionId, parsed.Resume, parsed.CrashAtStep, parsed.Prefix, parsed.PauseAfterRestore));
        Assert.Equal(new Uri("amqp://guest:guest@localhost:5672/"), parsed.Amqp);
    }
}
