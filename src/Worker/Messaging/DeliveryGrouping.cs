namespace Statehouse.Worker.Messaging;

/// <summary>
/// Decides how many ready deliveries form one group: at most <paramref name="maxCount"/> deliveries and, beyond the
/// first, at most <paramref name="maxBytes"/> body bytes in all (a single larger delivery forms a group of its own).
/// Knows no broker and no store, so anything that groups deliveries the worker's way (the bench's echo server) can use
/// it: <see cref="Start"/>, then offer each ready delivery's size to <see cref="TryAdd"/> until it returns false.
/// Not thread-safe; one per consumer loop.
/// </summary>
internal sealed class DeliveryGrouping
{
    private readonly int _maxCount;
    private readonly long _maxBytes;
    private int _limit;

    /// <param name="maxCount">Most deliveries in a group, at least 1.</param>
    /// <param name="maxBytes">Most body bytes in a group of more than one delivery, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A limit below 1.</exception>
    public DeliveryGrouping(int maxCount, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _maxCount = maxCount;
        _maxBytes = maxBytes;
        _limit = maxCount;
    }

    /// <summary>Deliveries taken into the current group.</summary>
    public int Count { get; private set; }

    /// <summary>Their body bytes.</summary>
    public long Bytes { get; private set; }

    /// <summary>No further delivery fits, whatever its size.</summary>
    public bool IsFull => Count >= _limit;

    /// <summary>Starts an empty group; with <paramref name="isolate"/>, one of a single delivery.</summary>
    public void Start(bool isolate = false)
    {
        Count = 0;
        Bytes = 0;
        _limit = isolate ? 1 : _maxCount;
    }

    /// <summary>Takes a delivery of <paramref name="bodyBytes"/> into the group when it fits; false (and nothing taken) when not.</summary>
    public bool TryAdd(int bodyBytes)
    {
        if (IsFull || (Count > 0 && Bytes + bodyBytes > _maxBytes))
        {
            return false;
        }

        Count++;
        Bytes += bodyBytes;
        return true;
    }
}
