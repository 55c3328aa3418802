namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>A broker a test may administer with rabbitmqctl (users, permissions).</summary>
internal interface IBrokerAdmin
{
    /// <summary>AMQP URI of the broker for the default (guest-like) user.</summary>
    Uri Uri { get; }

    string Description { get; }

    /// <summary>Runs <c>rabbitmqctl</c> against the broker; throws with its output when it fails.</summary>
    Task<string> CtlAsync(IReadOnlyList<string> arguments, CancellationToken ct);
}
