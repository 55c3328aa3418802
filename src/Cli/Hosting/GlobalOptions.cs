using System.CommandLine;
using System.Globalization;
using Statehouse.Contracts;

namespace Statehouse.Cli.Hosting;

/// <summary>
/// The options every command takes, before or after the command's name: each is on the root command and on every
/// command that uses it (<see cref="AddTo"/>), so that a command's help lists only what it uses. Environment variables
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

    private readonly Dictionary<Command, HashSet<Option>> _omitted = [];

    public Option<string> Amqp { get; } = new("--amqp")
    {
        Description = $"AMQP URI of the broker, or the URIs of a cluster's nodes separated by commas [env {AmqpVariable}; default {DefaultAmqp}]",
        HelpName = "URI[,URI...]",
    };

    /// <summary>
    /// The queue prefix. <c>keys</c> has its own <c>--prefix</c> (a key prefix): there, name the queue prefix before
    /// the command, or after it as <c>--queue-prefix</c> (<see cref="QueuePrefixOnly"/>), or through the environment.
    /// </summary>
    public Option<string> QueuePrefix { get; } = new("--prefix", "--queue-prefix")
    {
        Description = $"Queue prefix of the deployment, as the worker's Statehouse:Broker:QueuePrefix [env {PrefixVariable}; default {TopologyNames.DefaultPrefix}]",
        HelpName = "P",
    };

    /// <summary>The queue prefix under its long name only, for <c>keys</c>, whose own <c>--prefix</c> is a key prefix.</summary>
    public Option<string> QueuePrefixOnly { get; } = new("--queue-prefix")
    {
        Description = $"Queue prefix of the deployment, as the worker's Statehouse:Broker:QueuePrefix [env {PrefixVariable}; default {TopologyNames.DefaultPrefix}]",
        HelpName = "P",
    };

    public Option<string> Namespace { get; } = new("--namespace", "-N")
    {
        Description = $"Namespace of the records [env {NamespaceVariable}; default {DefaultNamespace}]",
        HelpName = "NS",
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine-readable output: JSON on stdout (errors as one JSON object on stderr)",
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for the broker and for each request to the worker",
        HelpName = "S",
        DefaultValueFactory = _ => DefaultTimeoutSeconds,
    };

    public IEnumerable<Option> All => [Amqp, QueuePrefix, Namespace, Json, Timeout];

    /// <summary>The options that reach the broker, which a local command such as <c>restore</c> has no use for.</summary>
    public IEnumerable<Option> Broker => [Amqp, QueuePrefix, Namespace, Timeout];

    /// <summary>Adds the global options to <paramref name="command"/> and its subcommands, except those they omit.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All.Where(o => !(_omitted.TryGetValue(command, out var omitted) && omitted.Contains(o))))
        {
            command.Options.Add(option);
        }

        foreach (var subcommand in command.Subcommands)
        {
            AddTo(subcommand);
        }
    }

    /// <summary>
    /// Keeps <paramref name="options"/> off <paramref name="command"/>, and so out of its help: given after its name they
    /// are an unknown option; before it, they belong to the root command and are not used.
    /// </summary>
    public void Omit(Command command, params IEnumerable<Option> options)
    {
        var set = _omitted.TryGetValue(command, out var existing) ? existing : _omitted[command] = [];
        set.UnionWith(options);
    }

    /// <summary>The settings of this invocation; throws a usage <see cref="CliException"/> for a malformed value.</summary>
    public CliSettings Resolve(ParseResult parse)
    {
        var amqpText = parse.GetValue(Amqp) ?? FromEnvironment(AmqpVariable) ?? DefaultAmqp;
        IReadOnlyList<Uri> amqp;
        try
        {
            amqp = BrokerUris.Parse(amqpText);
        }
        catch (FormatException e)
        {
            throw CliException.Usage("--amqp " + e.Message);
        }

        var prefix = parse.GetValue(QueuePrefix) ?? parse.GetValue(QueuePrefixOnly) ?? FromEnvironment(PrefixVariable) ?? TopologyNames.DefaultPrefix;
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
