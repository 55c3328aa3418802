using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Statehouse.Contracts;

namespace Statehouse.Examples.ResearchAgent;

/// <summary>
/// Command line of the agent: the broker and queue prefix (environment variables fill them in), the run to start or
/// resume, the step to crash at (for the demonstration) and the question.
/// </summary>
internal sealed partial record AgentArguments(Uri Amqp, string Prefix, string RunId, bool Resume, int? CrashAtStep, string? Question)
{
    /// <summary>What a usage error exits with (System.CommandLine's own is 1).</summary>
    public const int UsageExitCode = 2;

    private const string DefaultAmqp = "amqp://guest:guest@localhost:5672/";

    private static readonly Option<string?> s_amqp = new("--amqp") { Description = $"Broker URI [env STATEHOUSE_AMQP; default {DefaultAmqp}]", HelpName = "URI" };

    private static readonly Option<string?> s_prefix = new("--prefix")
    {
        Description = $"Queue prefix, as the worker's Statehouse:Broker:QueuePrefix [env STATEHOUSE_PREFIX; default {TopologyNames.DefaultPrefix}]",
        HelpName = "PREFIX",
    };

    private static readonly Option<string?> s_runId = new("--run-id") { Description = "Id of the run [default: a new random one]; its state is agent research-<ID>", HelpName = "ID" };
    private static readonly Option<bool> s_resume = new("--resume") { Description = "Continue run --run-id from the state stored in Statehouse, skipping committed steps" };
    private static readonly Option<int?> s_crashAtStep = new("--crash-at-step") { Description = "Kill this process (SIGKILL) once step N has run but before it is committed", HelpName = "N" };
    private static readonly Option<string?> s_question = new("--question") { Description = $"What to research [default: \"{Planner.DefaultQuestion}\"]", HelpName = "TEXT" };

    /// <summary>The broker address without credentials, for messages.</summary>
    public string Endpoint => $"{Amqp.Scheme}://{Amqp.Host}{(Amqp.IsDefaultPort ? "" : ":" + Amqp.Port.ToString(CultureInfo.InvariantCulture))}{Amqp.AbsolutePath}";

    /// <summary>The agent's command: <paramref name="run"/> with the arguments, or <see cref="UsageExitCode"/> with the reason on stderr.</summary>
    public static RootCommand CreateCommand(Func<string, string?> environment, Func<AgentArguments, Task<int>> run)
    {
        var command = new RootCommand("""
            Plans tool steps for the question, runs them one by one and commits each step's state in one transaction;
            at the end prints the answer and the run's history as replayed from Statehouse.
            """)
        {
            s_amqp, s_prefix, s_runId, s_resume, s_crashAtStep, s_question,
        };
        command.SetAction(async parse =>
        {
            var amqpText = parse.GetValue(s_amqp) ?? environment("STATEHOUSE_AMQP") ?? DefaultAmqp;
            var (runId, resume, crashAtStep) = (parse.GetValue(s_runId), parse.GetValue(s_resume), parse.GetValue(s_crashAtStep));
            var error = !Uri.TryCreate(amqpText, UriKind.Absolute, out var amqp) || amqp.Scheme is not ("amqp" or "amqps")
                ? $"--amqp must be an amqp:// or amqps:// URI, got '{amqpText}'"
                : runId is null && resume ? "--resume needs the --run-id of the run to continue"
                : runId is not null && !RunIdPattern().IsMatch(runId) ? $"--run-id must be 1-64 characters of A-Z a-z 0-9 _ -, got '{runId}'"
                : crashAtStep < 1 ? $"--crash-at-step must be a step number (1 or more), got '{crashAtStep}'"
                : null;
            if (error is not null)
            {
                await Console.Error.WriteLineAsync(error);
                return UsageExitCode;
            }

            var prefix = parse.GetValue(s_prefix) ?? environment("STATEHOUSE_PREFIX") ?? TopologyNames.DefaultPrefix;
            return await run(new AgentArguments(amqp!, prefix, runId ?? Guid.NewGuid().ToString("N")[..8], resume, crashAtStep, parse.GetValue(s_question)));
        });
        return command;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdPattern();
}
