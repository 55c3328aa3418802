using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using Statehouse.Contracts;

namespace Statehouse.Examples.ResearchAgent;

/// <summary>Command line of the agent; environment variables fill in the broker and the queue prefix.</summary>
internal sealed partial record AgentArguments(Uri Amqp, string Prefix, string RunId, bool Resume, int? CrashAtStep, string? Question)
{
    public const string Usage = $"""
        Usage: Statehouse.Examples.ResearchAgent [--amqp URI] [--prefix PREFIX] [--run-id ID] [--resume] [--crash-at-step N] [--question TEXT]
          --amqp           broker URI (env STATEHOUSE_AMQP; default amqp://guest:guest@localhost:5672/)
          --prefix         queue prefix, as the worker's Statehouse:Broker:QueuePrefix (env STATEHOUSE_PREFIX; default statehouse)
          --run-id         id of the run (default: a new random one); its state is agent research-<ID>
          --resume         continue run --run-id from the state stored in Statehouse, skipping committed steps
          --crash-at-step  kill this process (SIGKILL) once step N has run but before it is committed
          --question       what to research (default: "{Planner.DefaultQuestion}")
        Plans tool steps for the question, runs them one by one and commits each step's state in one transaction;
        at the end prints the answer and the run's history as replayed from Statehouse.
        """;

    public static bool TryParse(
        IReadOnlyList<string> args,
        Func<string, string?> environment,
        [NotNullWhen(true)] out AgentArguments? parsed,
        [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var resume = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            switch (name)
            {
                case "-h" or "--help":
                    error = Usage;
                    return false;
                case "--resume":
                    resume = true;
                    continue;
                case "--amqp" or "--prefix" or "--run-id" or "--crash-at-step" or "--question":
                    if (i + 1 >= args.Count)
                    {
                        error = $"{name} needs a value\n{Usage}";
                        return false;
                    }

                    values[name] = args[++i];
                    continue;
                default:
                    error = $"unknown argument '{name}'\n{Usage}";
                    return false;
            }
        }

        var amqpText = values.GetValueOrDefault("--amqp") ?? environment("STATEHOUSE_AMQP") ?? "amqp://guest:guest@localhost:5672/";
        if (!Uri.TryCreate(amqpText, UriKind.Absolute, out var amqp) || amqp.Scheme is not ("amqp" or "amqps"))
        {
            error = $"--amqp must be an amqp:// or amqps:// URI, got '{amqpText}'";
            return false;
        }

        var runId = values.GetValueOrDefault("--run-id");
        if (runId is null && resume)
        {
            error = "--resume needs the --run-id of the run to continue";
            return false;
        }

        if (runId is not null && !RunIdPattern().IsMatch(runId))
        {
            error = $"--run-id must be 1-64 characters of A-Z a-z 0-9 _ -, got '{runId}'";
            return false;
        }

        int? crashAtStep = null;
        if (values.TryGetValue("--crash-at-step", out var crashText))
        {
            if (!int.TryParse(crashText, NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1)
            {
                error = $"--crash-at-step must be a step number (1 or more), got '{crashText}'";
                return false;
            }

            crashAtStep = step;
        }

        parsed = new AgentArguments(
            amqp,
            values.GetValueOrDefault("--prefix") ?? environment("STATEHOUSE_PREFIX") ?? TopologyNames.DefaultPrefix,
            runId ?? Guid.NewGuid().ToString("N")[..8],
            resume,
            crashAtStep,
            values.GetValueOrDefault("--question"));
        error = null;
        return true;
    }

    /// <summary>The broker address without credentials, for messages.</summary>
    public string Endpoint => $"{Amqp.Scheme}://{Amqp.Host}{(Amqp.IsDefaultPort ? "" : ":" + Amqp.Port.ToString(CultureInfo.InvariantCulture))}{Amqp.AbsolutePath}";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdPattern();
}
