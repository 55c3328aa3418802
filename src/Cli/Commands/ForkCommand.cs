using System.CommandLine;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>fork SOURCE TARGET --at TS [--replace]</c>: gives TARGET every live key of SOURCE as of commit_ts TS, with a
/// provenance note under <c>statehouse.fork</c>, in one transaction the worker decides (the client's <c>ForkAsync</c>).
/// A TARGET with live keys is refused (exit code 4, CONFLICT) unless <c>--replace</c>: then its live keys are read first
/// and the fork deletes exactly those.
/// </summary>
internal static class ForkCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var source = Arguments.NonEmpty(new("SOURCE") { Description = "The agent to copy the state of" });
        var target = Arguments.NonEmpty(new("TARGET") { Description = "The agent that gets the state (without live keys, unless --replace)" });
        var at = Arguments.AtLeast("--at", 1, "The commit_ts to fork at: the source's state right after that transaction", "TS");
        at.Required = true;
        var replace = new Option<bool>("--replace")
        {
            Description = "Replace the target's state: delete its live keys in the fork (exit code 4 if they change meanwhile)",
        };
        var command = new Command("fork", "Fork an agent's state as of a commit_ts into another agent (one transaction); prints commit_ts and the target's versions")
        {
            source, target, at, replace,
        };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            var sourceAgent = parse.GetRequiredValue(source);
            var targetAgent = parse.GetRequiredValue(target);
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            var result = await client.ForkAsync(sourceAgent, parse.GetValue(at)!.Value, targetAgent, parse.GetValue(replace), context.Namespace, ct).ConfigureAwait(false);
            Views.WriteCommit(context.Output, context.Namespace, result);
            return ExitCodes.Ok;
        });
        return command;
    }
}
