namespace Statehouse.Cli.Hosting;

/// <summary>The global options of one invocation, resolved from the command line, the environment and the defaults.</summary>
internal sealed record CliSettings(Uri Amqp, string QueuePrefix, string Namespace, bool Json, TimeSpan Timeout)
{
    /// <summary>The broker's address without credentials, for messages.</summary>
    public string Endpoint
    {
        get
        {
            var port = Amqp.Port > 0 ? Amqp.Port : Amqp.Scheme == "amqps" ? 5671 : 5672;
            return $"{Amqp.Scheme}://{Amqp.Host}:{port}{Amqp.AbsolutePath}";
        }
    }
}
