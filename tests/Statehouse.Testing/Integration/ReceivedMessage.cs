using System.Text;

namespace Statehouse.Testing.Integration;

/// <summary>A delivery copied out of the consumer callback (its body is only valid during the callback).</summary>
public sealed record ReceivedMessage(byte[] Body, string? CorrelationId, string? MessageId, IReadOnlyDictionary<string, object?> Headers)
{
    /// <summary>A string header; RabbitMQ.Client hands AMQP long strings over as UTF-8 bytes.</summary>
    public string? HeaderString(string name) => Headers.TryGetValue(name, out var value) ? value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        null => null,
        var other => other.ToString(),
    } : null;
}
