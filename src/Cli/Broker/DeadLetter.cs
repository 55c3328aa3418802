using System.Text;
using RabbitMQ.Client;
using Statehouse.Contracts;

namespace Statehouse.Cli.Broker;

/// <summary>A message taken (not acked) from the dead-letter queue: its 1-based place in the queue, properties and body.</summary>
internal sealed record DeadLetter(int Index, ulong DeliveryTag, IReadOnlyBasicProperties Properties, byte[] Body)
{
    public string? MessageId => Properties.MessageId;

    /// <summary>Why the worker dead-lettered it (<c>x-statehouse-error</c>).</summary>
    public string? Error => Header(MessageHeaders.Error);

    /// <summary>The error code name (<c>x-statehouse-error-code</c>).</summary>
    public string? ErrorCode => Header(MessageHeaders.ErrorCode);

    public string? Header(string name) =>
        Properties.Headers is { } headers && headers.TryGetValue(name, out var value) ? HeaderText(value) : null;

    /// <summary>AMQP string headers arrive as UTF-8 bytes; everything else is shown as its text.</summary>
    public static string? HeaderText(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IEnumerable<object?> list => "[" + string.Join(", ", list.Select(HeaderText)) + "]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
