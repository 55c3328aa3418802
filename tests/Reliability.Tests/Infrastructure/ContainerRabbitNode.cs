using Statehouse.Testing.Brokers;
using Testcontainers.RabbitMq;

namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>
/// A dedicated broker on machines without Debian's rabbitmq-server: a Testcontainers RabbitMQ container whose AMQP
/// port is bound to a fixed host port, so the address survives a container restart (its data does too).
/// </summary>
internal sealed class ContainerRabbitNode : IDedicatedBroker
{
    private const int AmqpPort = 5672;

    private readonly RabbitMqContainer _container;
    private readonly string _image = Statehouse.Testcontainers.StatehouseImages.RabbitMq;

    private ContainerRabbitNode(int hostPort)
    {
        _container = new RabbitMqBuilder(_image).WithPortBinding(hostPort, AmqpPort).WithLabel(TestSession.Labels).Build();
    }

    public Uri Uri => new(_container.GetConnectionString());

    public string Description => $"container {_container.Id[..12]} ({_image})";

    public static async Task<ContainerRabbitNode> StartNewAsync(int hostPort, CancellationToken ct)
    {
        var node = new ContainerRabbitNode(hostPort);
        try
        {
            await node._container.StartAsync(ct);
        }
        catch (Exception e)
        {
            await node.DisposeAsync();
            throw new InvalidOperationException(
                "This test needs a RabbitMQ broker of its own: install Debian's rabbitmq-server (/usr/lib/rabbitmq/bin) or run a Docker engine. " +
                $"Starting a container failed: {e.GetBaseException().Message}", e);
        }

        return node;
    }

    public Task StopAsync(CancellationToken ct) => _container.StopAsync(ct);

    public Task StartAsync(CancellationToken ct) => _container.StartAsync(ct);

    public async Task<string> CtlAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var result = await _container.ExecAsync(["rabbitmqctl", .. arguments], ct);
        return result.ExitCode == 0
            ? result.Stdout
            : throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed in the container (exit {result.ExitCode}): {result.Stderr.Trim()} {result.Stdout.Trim()}");
    }

    public ValueTask DisposeAsync() => _container.DisposeAsync();
}
