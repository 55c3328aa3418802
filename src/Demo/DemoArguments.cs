using System.CommandLine;
using System.Globalization;
using Statehouse.Contracts;

namespace Statehouse.Demo;

/// <summary>
/// Command line of the demo: the broker and queue prefix (environment variables fill what the command line leaves
/// out), the namespace and agent of the demo records, and the seconds to wait for the worker per request.
/// </summary>
internal sealed record DemoArguments(Uri Amqp, string Prefix, string Namespace, string Agent, TimeSpan Timeout)
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

    private static readonly Option<string> s_namespace = new("--namespace") { Description = "Namespace of the demo records", HelpName = "NS", DefaultValueFactory = _ => "default" };
    private static readonly Option<string> s_agent = new("--agent") { Description = "Agent id of the demo records", HelpName = "AGENT", DefaultValueFactory = _ => "demo-agent" };

    private static readonly Option<double> s_timeout = new("--timeout")
    {
        Description = "Seconds to wait for the worker per request, over two attempts",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => 10,
    };

    /// <summary>The broker address without credentials, for messages.</summary>
    public string Endpoint => $"{Amqp.Scheme}://{Amqp.Host}{(Amqp.IsDefaultPort ? "" : ":" + Amqp.Port.ToString(CultureInfo.InvariantCulture))}{Amqp.AbsolutePath}";

    /// <summary>The demo's command: <paramref name="run"/> with the arguments, or <see cref="UsageExitCode"/> with the reason on stderr.</summary>
    public static RootCommand CreateCommand(Func<string, string?> environment, Func<DemoArguments, Task<int>> run)
    {
        var command = new RootCommand("Commits one transaction of three keys, reads them back, replays the agent's history.")
        {
            s_amqp, s_prefix, s_namespace, s_agent, s_timeout,
        };
        command.SetAction(async parse =>
        {
            var amqpText = parse.GetValue(s_amqp) ?? environment("STATEHOUSE_AMQP") ?? DefaultAmqp;
            var seconds = parse.GetValue(s_timeout);
            var error = !Uri.TryCreate(amqpText, UriKind.Absolute, out var amqp) || amqp.Scheme is not ("amqp" or "amqps")
                ? $"--amqp must be an amqp:// or amqps:// URI, got '{amqpText}'"
                : seconds is <= 0 or > 3600
                    ? string.Create(CultureInfo.InvariantCulture, $"--timeout must be a number of seconds between 0 and 3600, got '{seconds}'")
                    : null;
            if (error is not null)
            {
                await Console.Error.WriteLineAsync(error);
                return UsageExitCode;
            }

            var prefix = parse.GetValue(s_prefix) ?? environment("STATEHOUSE_PREFIX") ?? TopologyNames.DefaultPrefix;
            return await run(new DemoArguments(amqp!, prefix, parse.GetValue(s_namespace)!, parse.GetValue(s_agent)!, TimeSpan.FromSeconds(seconds)));
        });
        return command;
    }
}
