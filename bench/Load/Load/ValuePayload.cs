namespace Statehouse.Bench.Load;

/// <summary>A value of exactly the requested size that is one MessagePack value (a bin), since Statehouse stores MessagePack.</summary>
internal static class ValuePayload
{
    /// <summary>Random bytes from <paramref name="random"/> (default: the same bytes on every call) behind a bin header.</summary>
    public static byte[] Create(int totalBytes, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalBytes, 2);
        byte[] header = (totalBytes - 2) <= byte.MaxValue
            ? [0xc4, (byte)(totalBytes - 2)]
            : (totalBytes - 3) <= ushort.MaxValue
                ? [0xc5, (byte)((totalBytes - 3) >> 8), (byte)(totalBytes - 3)]
                : [0xc6, (byte)((totalBytes - 5) >> 24), (byte)((totalBytes - 5) >> 16), (byte)((totalBytes - 5) >> 8), (byte)(totalBytes - 5)];
        var value = new byte[totalBytes];
        header.CopyTo(value, 0);
        // Incompressible, so neither side gains from compression.
        (random ?? new Random(42)).NextBytes(value.AsSpan(header.Length));
        return value;
    }
}
