using Statehouse.Contracts;

namespace Statehouse.Cli.Hosting;

/// <summary>
/// The global options of one invocation, resolved from the command line, the environment and the defaults.
/// <paramref name="Amqp"/> holds the broker's nodes (one, or those of a cluster; <see cref="BrokerUris"/>).
/// </summary>
internal sealed record CliSettings(IReadOnlyList<Uri> Amqp, string QueuePrefix, string Namespace, bool Json, TimeSpan Timeout)
{
    /// <summary>The broker's address without credentials, for messages (the nodes separated by commas).</summary>
    public string Endpoint => BrokerUris.Describe(Amqp);
}
