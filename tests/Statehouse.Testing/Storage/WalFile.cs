namespace Statehouse.Testing.Storage;

/// <summary>
/// A RocksDB write-ahead log file of a test's store, for tests that damage it on purpose: where its records start
/// (RocksDB's <c>db/log_format.h</c>: 32 KiB blocks, 7-byte headers with the length in bytes 4–5, padding at block ends).
/// </summary>
public static class WalFile
{
    private const int BlockSize = 32 * 1024;
    private const int HeaderSize = 7;

    /// <summary>The newest <c>NNNNNN.log</c> of the store at <paramref name="storePath"/>.</summary>
    public static string Newest(string storePath) =>
        Directory.GetFiles(storePath, "*.log").OrderBy(Path.GetFileName, StringComparer.Ordinal).LastOrDefault()
        ?? throw new InvalidOperationException($"No write-ahead log in {storePath}: {string.Join(", ", Directory.GetFiles(storePath).Select(Path.GetFileName))}");

    /// <summary>(offset, length in bytes including the header) of every record of an intact log file.</summary>
    public static List<(long Offset, int Length)> Records(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var records = new List<(long, int)>();
        long position = 0;
        while (position + HeaderSize <= bytes.Length)
        {
            var leftInBlock = BlockSize - (int)(position % BlockSize);
            if (leftInBlock < HeaderSize)
            {
                position += leftInBlock;
                continue;
            }

            var length = HeaderSize + (bytes[position + 4] | (bytes[position + 5] << 8));
            records.Add((position, length));
            position += length;
        }

        return records;
    }

    /// <summary>Appends the first <paramref name="keep"/> bytes of the log's last record again: a write cut short at a crash.</summary>
    public static void AppendUnfinishedRecord(string file, int keep)
    {
        var (offset, length) = Records(file)[^1];
        if (keep <= 0 || keep >= length || (File.ReadAllBytes(file).Length % BlockSize) + length > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(keep), $"keep 1..{length - 1} bytes of a record that fits the rest of the block");
        }

        var record = new byte[keep];
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        stream.ReadExactly(record);
        stream.Seek(0, SeekOrigin.End);
        stream.Write(record);
    }

    /// <summary>Overwrites <paramref name="bytes"/> at <paramref name="offset"/>, in place.</summary>
    public static void Overwrite(string file, long offset, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(bytes);
    }
}
