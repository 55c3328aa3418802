using System.CommandLine;
using System.Globalization;
using Statehouse.Contracts;

namespace Statehouse.Cli.Hosting;

/// <summary>
/// The options every command takes (recursive: accepted before or after the command's name). Environment variables
/// give the defaults of <c>--amqp</c>, <c>--prefix</c> and <c>--namespace</c>.
/// </summary>
internal sealed class GlobalOptions
{
    public const string AmqpVariable = "STATEHOUSE_AMQP";
    public const string PrefixVariable = "STATEHOUSE_PREFIX";
    public const string NamespaceVariable = "STATEHOUSE_NAMESPACE";
    public const string DefaultAmqp = "amqp://guest:guest@127.0.0.1:5672/";
    public const string DefaultNamespace = "default";
    public const double DefaultTimeoutSeconds = 10;

    public Option<string> Amqp { get; } = new("--amqp")
    {
        Description = $"AMQP URI of the broker [env {AmqpVariable}; default {DefaultAmqp}]",
        HelpName = "URI",
        Recursive = true,
    };

    /// <summary>
    /// The queue prefix. <c>keys</c> has its own <c>--prefix</c> (a key prefix): there, name the queue prefix before
    /// the command, as <c>--queue-prefix</c>, or through the environment.
    /// </summary>
    public Option<string> QueuePrefix { get; } = new("--prefix", "--queue-prefix")
    {
        Description = $"Queue prefix of the deployment, as the worker's Statehouse:Broker:QueuePrefix [env {PrefixVariable}; default {TopologyNames.DefaultPrefix}]",
        HelpName = "P",
        Recursive = true,
    };

    public Option<string> Namespace { get; } = new("--namespace", "-N")
    {
        Description = $"Namespace of the records [env {NamespaceVariable}; default {DefaultNamespace}]",
        HelpName = "NS",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable output: JSON on stdout (errors as one JSON object on stderr)",
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for the broker and for each request to the worker",
        HelpName = "S",
        DefaultValueFactory = _ => DefaultTimeoutSeconds,
        Recursive = true,
    };

    public IEnumerable<Option> All => [Amqp, QueuePrefix, Namespace, Json, Timeout];

    /// <summary>The settings of this invocation; throws a usage <see cref="CliException"/> for a malformed value.</summary>
    public CliSettings Resolve(ParseResult parse)
    {
        var amqpText = parse.GetValue(Amqp) ?? FromEnvironment(AmqpVariable) ?? DefaultAmqp;
        if (!Uri.TryCreate(amqpText, UriKind.Absolute, out var amqp) || (amqp.Scheme != "amqp" && amqp.Scheme != "amqps"))
        {
            throw CliException.Usage($"--amqp must be an absolute amqp:// or amqps:// URI, got '{amqpText}'.");
        }

        var prefix = parse.GetValue(QueuePrefix) ?? FromEnvironment(PrefixVariable) ?? TopologyNames.DefaultPrefix;
        var ns = parse.GetValue(Namespace) ?? FromEnvironment(NamespaceVariable) ?? DefaultNamespace;
        if (ns.Length == 0)
        {
            throw CliException.Usage("--namespace must not be empty.");
        }

        var seconds = parse.GetValue(Timeout);
        if (!(seconds > 0) || seconds > TimeSpan.FromDays(1).TotalSeconds)
        {
            throw CliException.Usage($"--timeout must be a number of seconds above 0 and at most one day, got {seconds.ToString(CultureInfo.InvariantCulture)}.");
        }

        return new CliSettings(amqp, prefix, ns, parse.GetValue(Json), TimeSpan.FromSeconds(seconds));
    }

    private static string? FromEnvironment(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
