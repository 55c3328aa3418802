namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>
/// A RabbitMQ broker that belongs to one test alone, so the test may stop and start it: never the shared broker
/// the other tests use. Its data survives a stop, so durable queues and persistent messages come back.
/// </summary>
internal interface IDedicatedBroker : IBrokerAdmin, IAsyncDisposable
{
    /// <summary>Stops the broker (a clean node shutdown); its clients lose their connections.</summary>
    Task StopAsync(CancellationToken ct);

    /// <summary>Starts the broker again on the same address and data, and returns once it accepts AMQP connections.</summary>
    Task StartAsync(CancellationToken ct);
}
