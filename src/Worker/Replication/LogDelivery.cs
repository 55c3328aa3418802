namespace Statehouse.Worker.Replication;

/// <summary>
/// One message of the log stream as delivered to a <see cref="LogFollower"/>: its stream offset (header
/// <c>x-stream-offset</c>), the delivery tag to acknowledge it by on the log channel, and its body (an owned copy).
/// </summary>
internal sealed record LogDelivery(long Offset, ulong DeliveryTag, ReadOnlyMemory<byte> Body);
