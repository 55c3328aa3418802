namespace Statehouse.Client;

/// <summary>A long that only grows, shared between threads without a lock.</summary>
internal static class Monotonic
{
    /// <summary>Raises <paramref name="location"/> to <paramref name="value"/> when that is higher; a lower value changes nothing.</summary>
    public static void Raise(ref long location, long value)
    {
        var seen = Interlocked.Read(ref location);
        while (value > seen)
        {
            var before = Interlocked.CompareExchange(ref location, value, seen);
            if (before == seen)
            {
                return;
            }

            seen = before;
        }
    }
}
