using System.ComponentModel.DataAnnotations;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// The broker and the deployment's topology, bound from <c>Statehouse:Broker</c> (docs/configuration.md). An invalid value
/// stops the worker at start with one line naming its key.
/// </summary>
internal sealed class BrokerOptions
{
    /// <summary>
    /// AMQP URI of the broker, or the URIs of the nodes of one RabbitMQ cluster separated by commas (each with the same
    /// scheme, user, password and virtual host: <see cref="Contracts.BrokerUris"/>). The worker connects to one of them
    /// (<see cref="BrokerConnector"/>) and to another when that connection is lost.
    /// </summary>
    [Required]
    public string Uri { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>Prefix of every queue and exchange name (see <c>TopologyNames</c>).</summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]{1,100}$", ErrorMessage = "{0} must be 1-100 characters of A-Z a-z 0-9 . _ -")]
    public string QueuePrefix { get; set; } = Contracts.TopologyNames.DefaultPrefix;

    /// <summary>Deliveries of one message before the broker dead-letters it (quorum queue <c>x-delivery-limit</c>).</summary>
    [Range(1, 1000)]
    public int DeliveryLimit { get; set; } = 20;

    /// <summary>Seconds between attempts to reach the broker after a failure.</summary>
    [Range(0.1, 300)]
    public double ReconnectDelaySeconds { get; set; } = 2;

    /// <summary>Seconds between polls of the commit queue's ready-message count (a metric); 0 = never poll.</summary>
    [Range(0, 3600)]
    public double QueueProbeSeconds { get; set; } = 5;

    /// <summary>The URIs of <see cref="Uri"/>, in the order given; throws <see cref="FormatException"/> when it is invalid.</summary>
    public IReadOnlyList<Uri> ParseUris() => Contracts.BrokerUris.Parse(Uri);
}
