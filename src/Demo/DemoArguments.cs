using System.CommandLine;
using System.Globalization;
using Statehouse.Contracts;

namespace Statehouse.Demo;

/// <summary>
/// Command line of the demo: the broker and queue prefix (environment variables fill what the command line leaves
/// out, and help shows what they give), the namespace and agent of the demo records, and the seconds to wait for the
/// worker per request.
/// </summary>
internal sealed record DemoArguments(Uri Amqp, string Prefix, string Namespace, string Agent, TimeSpan Timeout)
{
    /// <summary>What a usage error exits with (System.CommandLine's own is 1).</summary>
    public const int UsageExitCode = 2;

    private static readonly Option<string> s_amqp = Text("--amqp", "URI", "Broker URI (env STATEHOUSE_AMQP)", "STATEHOUSE_AMQP", "amqp://guest:guest@localhost:5672/");
    private static readonly Option<string> s_prefix = Text("--prefix", "PREFIX", "Queue prefix, as the worker's Statehouse:Broker:QueuePrefix (env STATEHOUSE_PREFIX)", "STATEHOUSE_PREFIX", TopologyNames.DefaultPrefix);
    private static readonly Option<string> s_namespace = Text("--namespace", "NS", "Namespace of the demo records", variable: null, "default");
    private static readonly Option<string> s_agent = Text("--agent", "AGENT", "Agent id of the demo records", variable: null, "demo-agent");

    private static readonly Option<double> s_timeout = new("--timeout")
    {
        Description = "Seconds to wait for the worker per request, over two attempts",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => 10,
    };

    /// <summary>The broker address without credentials, for messages.</summary>
    public string Endpoint => $"{Amqp.Scheme}://{Amqp.Host}{(Amqp.IsDefaultPort ? "" : ":" + Amqp.Port.ToString(CultureInfo.InvariantCulture))}{Amqp.AbsolutePath}";

    /// <summary>The demo's command: <paramref name="run"/> with the arguments, or <see cref="UsageExitCode"/> with the reason on stderr.</summary>
    public static RootCommand CreateCommand(Func<DemoArguments, Task<int>> run)
    {
        var command = new RootCommand("Commits one transaction of three keys, reads them back, replays the agent's history.")
        {
            s_amqp, s_prefix, s_namespace, s_agent, s_timeout,
        };
        command.SetAction(async parse =>
        {
            var amqpText = parse.GetValue(s_amqp)!;
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

            return await run(new DemoArguments(amqp!, parse.GetValue(s_prefix)!, parse.GetValue(s_namespace)!, parse.GetValue(s_agent)!, TimeSpan.FromSeconds(seconds)));
        });
        return command;
    }

    /// <summary>A text option whose default is the environment variable <paramref name="variable"/>, else <paramref name="fallback"/>.</summary>
    private static Option<string> Text(string name, string helpName, string description, string? variable, string fallback) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => (variable is null ? null : Environment.GetEnvironmentVariable(variable)) ?? fallback,
    };
}
