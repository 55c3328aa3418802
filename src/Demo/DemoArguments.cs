using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Statehouse.Contracts;

namespace Statehouse.Demo;

/// <summary>Command line of the demo; environment variables fill what the command line leaves out.</summary>
internal sealed record DemoArguments(Uri Amqp, string Prefix, string Namespace, string Agent, TimeSpan Timeout)
{
    public const string Usage = """
        Usage: Statehouse.Demo [--amqp URI] [--prefix PREFIX] [--namespace NS] [--agent AGENT] [--timeout SECONDS]
          --amqp       broker URI (env STATEHOUSE_AMQP; default amqp://guest:guest@localhost:5672/)
          --prefix     queue prefix, as the worker's Statehouse:Broker:QueuePrefix (env STATEHOUSE_PREFIX; default statehouse)
          --namespace  namespace of the demo records (default "default")
          --agent      agent id of the demo records (default demo-agent)
          --timeout    seconds to wait for the worker per request, over two attempts (default 10)
        Commits one transaction of three keys, reads them back, replays the agent's history.
        """;

    public static bool TryParse(
        IReadOnlyList<string> args,
        Func<string, string?> environment,
        [NotNullWhen(true)] out DemoArguments? parsed,
        [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error = Usage;
                return false;
            }

            if (name is not ("--amqp" or "--prefix" or "--namespace" or "--agent" or "--timeout"))
            {
                error = $"unknown argument '{name}'\n{Usage}";
                return false;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{name} needs a value\n{Usage}";
                return false;
            }

            values[name] = args[++i];
        }

        var amqpText = values.GetValueOrDefault("--amqp") ?? environment("STATEHOUSE_AMQP") ?? "amqp://guest:guest@localhost:5672/";
        if (!Uri.TryCreate(amqpText, UriKind.Absolute, out var amqp) || amqp.Scheme is not ("amqp" or "amqps"))
        {
            error = $"--amqp must be an amqp:// or amqps:// URI, got '{amqpText}'";
            return false;
        }

        var timeoutText = values.GetValueOrDefault("--timeout") ?? "10";
        if (!double.TryParse(timeoutText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds is <= 0 or > 3600)
        {
            error = $"--timeout must be a number of seconds between 0 and 3600, got '{timeoutText}'";
            return false;
        }

        parsed = new DemoArguments(
            amqp,
            values.GetValueOrDefault("--prefix") ?? environment("STATEHOUSE_PREFIX") ?? TopologyNames.DefaultPrefix,
            values.GetValueOrDefault("--namespace") ?? "default",
            values.GetValueOrDefault("--agent") ?? "demo-agent",
            TimeSpan.FromSeconds(seconds));
        error = null;
        return true;
    }

    /// <summary>The broker address without credentials, for messages.</summary>
    public string Endpoint => $"{Amqp.Scheme}://{Amqp.Host}{(Amqp.IsDefaultPort ? "" : ":" + Amqp.Port.ToString(CultureInfo.InvariantCulture))}{Amqp.AbsolutePath}";
}
