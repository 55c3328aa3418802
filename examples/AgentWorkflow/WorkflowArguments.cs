using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Statehouse.Contracts;

namespace Statehouse.Examples.AgentWorkflow;

/// <summary>
/// Command line of the example: the broker and queue prefix (environment variables fill them in), the workflow session
/// to start or resume, the step to crash at (for the demonstration) and the question.
/// </summary>
internal sealed partial record WorkflowArguments(
    Uri Amqp, string Prefix, string SessionId, bool Resume, int? CrashAtStep, bool PauseAfterRestore, string Question)
{
    private const string DefaultAmqp = "amqp://guest:guest@localhost:5672/";

    private static readonly Option<string?> s_amqp = new("--amqp") { Description = $"Broker URI [env STATEHOUSE_AMQP; default {DefaultAmqp}]", HelpName = "URI" };

    private static readonly Option<string?> s_prefix = new("--prefix")
    {
        Description = $"Queue prefix, as the worker's Statehouse:Broker:QueuePrefix [env STATEHOUSE_PREFIX; default {TopologyNames.DefaultPrefix}]",
        HelpName = "PREFIX",
    };

    private static readonly Option<string?> s_session = new("--session")
    {
        Description = "Workflow session id [default: a new random one]; its checkpoints are Statehouse agent workflow:<ID>",
        HelpName = "ID",
    };

    private static readonly Option<bool> s_resume = new("--resume") { Description = "Restore the last checkpoint of --session from Statehouse and finish the workflow from there" };

    private static readonly Option<int?> s_crashAtStep = new("--crash-at-step")
    {
        Description = "Kill this process (SIGKILL) right after step N's checkpoint is committed, before step N+1 starts",
        HelpName = "N",
    };

    private static readonly Option<bool> s_pauseAfterRestore = new("--pause-after-restore")
    {
        Description = "With --resume: after restoring, wait until standard input ends before running (lines up two resumers)",
    };

    private static readonly Option<string?> s_question = new("--question") { Description = $"What to research [default: \"{ScriptedChatClient.DefaultQuestion}\"]", HelpName = "TEXT" };

    /// <summary>The broker address without credentials, for messages.</summary>
    public string Endpoint => $"{Amqp.Scheme}://{Amqp.Host}{(Amqp.IsDefaultPort ? "" : ":" + Amqp.Port.ToString(CultureInfo.InvariantCulture))}{Amqp.AbsolutePath}";

    /// <summary>The example's command: <paramref name="run"/> with the arguments, or <see cref="ExitCodes.Usage"/> with the reason on stderr.</summary>
    public static RootCommand CreateCommand(Func<string, string?> environment, Func<WorkflowArguments, Task<int>> run)
    {
        var command = new RootCommand("""
            Runs a plan -> research -> answer workflow of Microsoft Agent Framework with a scripted chat client, checkpointing
            every superstep into Statehouse; at the end prints the session's checkpoint history as replayed from Statehouse.
            """)
        {
            s_amqp, s_prefix, s_session, s_resume, s_crashAtStep, s_pauseAfterRestore, s_question,
        };
        command.SetAction(async parse =>
        {
            var amqpText = parse.GetValue(s_amqp) ?? environment("STATEHOUSE_AMQP") ?? DefaultAmqp;
            var (session, resume, crashAtStep) = (parse.GetValue(s_session), parse.GetValue(s_resume), parse.GetValue(s_crashAtStep));
            var question = parse.GetValue(s_question) ?? ScriptedChatClient.DefaultQuestion;
            var error = !Uri.TryCreate(amqpText, UriKind.Absolute, out var amqp) || amqp.Scheme is not ("amqp" or "amqps")
                ? $"--amqp must be an amqp:// or amqps:// URI, got '{amqpText}'"
                : session is null && resume ? "--resume needs the --session to continue"
                : session is not null && !SessionPattern().IsMatch(session) ? $"--session must be 1-64 characters of A-Z a-z 0-9 _ -, got '{session}'"
                : crashAtStep < 1 ? $"--crash-at-step must be a step number (1 or more), got '{crashAtStep}'"
                : parse.GetValue(s_pauseAfterRestore) && !resume ? "--pause-after-restore only applies to --resume"
                : resume && parse.GetValue(s_question) is not null ? "--question does not apply to --resume: a resumed session continues with the question in its checkpoint"
                : !resume && ScriptedChatClient.TopicsOf(question).Count == 0 ? $"The scripted planner finds no topic in that question; it knows {ScriptedChatClient.KnownTopics}."
                : null;
            if (error is not null)
            {
                await Console.Error.WriteLineAsync(error);
                return ExitCodes.Usage;
            }

            var prefix = parse.GetValue(s_prefix) ?? environment("STATEHOUSE_PREFIX") ?? TopologyNames.DefaultPrefix;
            return await run(new WorkflowArguments(
                amqp!, prefix, session ?? Guid.NewGuid().ToString("N")[..8], resume, crashAtStep, parse.GetValue(s_pauseAfterRestore), question));
        });
        return command;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionPattern();
}
