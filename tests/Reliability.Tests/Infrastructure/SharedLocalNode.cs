
namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>
/// The shared broker of the test run (<see cref="BrokerFixture"/>) as a local node administered with rabbitmqctl:
/// <c>STATEHOUSE_TEST_RABBITMQ_NODE</c>, default <c>rabbit@localhost</c> (the node of scripts/broker.sh).
/// </summary>
internal sealed class SharedLocalNode(BrokerFixture broker) : IBrokerAdmin
{
    public const string NodeVariable = "STATEHOUSE_TEST_RABBITMQ_NODE";

    public string NodeName { get; } = Environment.GetEnvironmentVariable(NodeVariable) is { Length: > 0 } node ? node : "rabbit@localhost";

    public Uri Uri => broker.BrokerUri;

    public string Description => $"shared local node {NodeName} ({BrokerFixture.Redact(Uri)})";

    public Task<string> CtlAsync(IReadOnlyList<string> arguments, CancellationToken ct) => LocalRabbitCtl.RunAsync(NodeName, arguments, ct);
}
