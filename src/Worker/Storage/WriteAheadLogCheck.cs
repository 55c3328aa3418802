using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Checks a store's write-ahead log files (<c>NNNNNN.log</c>) before RocksDB replays them. Every commit is written with
/// sync before it is acknowledged, so a log may end in one unfinished record (the write in flight at a crash, never
/// acknowledged) and nothing else may be wrong with it.
/// </summary>
/// <remarks>
/// RocksDB's <c>kTolerateCorruptedTailRecords</c> refuses a record that fails its checksum, but it takes a record
/// whose length field was damaged so that it runs past the end of the file, or a header overwritten with zeros, for
/// the end of the log and replays nothing after it: the store would come up short, without an error. This check
/// reads the log format of RocksDB's <c>db/log_format.h</c> (32 KiB blocks; records of a 7-byte header — masked
/// CRC32C, length, type — or 11 bytes for recyclable types, never crossing a block) and tells the two apart: an
/// unfinished record is the last thing in the newest log, fits its block, and no intact record follows it.
/// </remarks>
internal static class WriteAheadLogCheck
{
    private const int BlockSize = 32 * 1024;
    private const int HeaderSize = 7;
    private const int RecyclableHeaderSize = 11;
    private const uint MaskDelta = 0xa282ead8;

    /// <summary>
    /// Throws <see cref="StoreOpenException"/>, naming the file, the byte offset and the damage, when a log file of
    /// the store at <paramref name="path"/> holds anything but intact records followed (in the newest file only) by
    /// one unfinished record. Reads each file once, block by block. Safe while another worker holds the store: a log it
    /// is appending to ends in at most one unfinished record, and one it deletes is skipped.
    /// </summary>
    public static void Verify(string path)
    {
        var logs = Directory.EnumerateFiles(path, "*.log")
            .Select(file => (File: file, Number: ulong.TryParse(System.IO.Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : (ulong?)null))
            .Where(log => log.Number is not null)
            .OrderBy(log => log.Number)
            .Select(log => log.File)
            .ToList();
        for (var i = 0; i < logs.Count; i++)
        {
            string? damage;
            try
            {
                damage = FindDamage(logs[i], newest: i == logs.Count - 1);
            }
            catch (FileNotFoundException)
            {
                // Deleted once its memtables were flushed, by the worker that holds the store (this one is a standby).
                continue;
            }

            if (damage is not null)
            {
                throw new StoreOpenException(StoreOpenCheck.Damaged(path, damage));
            }
        }
    }

    /// <summary>Null when the file is intact (or ends in one unfinished record, in the newest file); else what is wrong.</summary>
    private static string? FindDamage(string file, bool newest)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var fileLength = stream.Length;
        var block = new byte[BlockSize];
        for (long blockStart = 0; blockStart < fileLength; blockStart += BlockSize)
        {
            var size = (int)Math.Min(BlockSize, fileLength - blockStart);
            stream.ReadExactly(block, 0, size);
            var lastBlock = blockStart + size == fileLength;
            var position = 0;
            while (size - position >= HeaderSize)
            {
                var length = block[position + 4] | (block[position + 5] << 8);
                var type = block[position + 6];
                var headerSize = IsRecyclable(type) ? RecyclableHeaderSize : HeaderSize;
                var offset = blockStart + position;
                if (type == 0 && length == 0)
                {
                    // A zeroed header: RocksDB skips the rest of the block. Zeros up to the end of the file are a write
                    // that never reached the disk; anything after them was written and would be skipped.
                    return newest && lastBlock && block.AsSpan(position, size - position).IndexOfAnyExcept((byte)0) < 0
                        ? null
                        : Describe(file, offset, fileLength, "a zeroed record header");
                }

                if (headerSize + length > BlockSize - position)
                {
                    return Describe(file, offset, fileLength, $"a record length ({length} bytes) that cannot fit its block");
                }

                if (position + headerSize + length > size)
                {
                    // Runs past the end of the file (so this is its last block): the unfinished last write, unless
                    // intact records follow it or a newer log exists.
                    if (!newest)
                    {
                        return Describe(file, offset, fileLength, $"a record cut short (length {length} bytes) in a log that is not the newest");
                    }

                    return HasIntactRecord(block.AsSpan(0, size), position + 1)
                        ? Describe(file, offset, fileLength, $"a record whose length ({length} bytes) runs past the end of the file, followed by intact records")
                        : null;
                }

                if (!ChecksumMatches(block.AsSpan(position, headerSize + length)))
                {
                    return Describe(file, offset, fileLength, "a record that fails its checksum");
                }

                position += headerSize + length;
            }

            // Fewer than a header's bytes left: a full block's zero padding, or at the end of the file a header cut short.
            if (position < size && size < BlockSize && !newest)
            {
                return Describe(file, blockStart + position, fileLength, "a record header cut short in a log that is not the newest");
            }
        }

        return null;
    }

    private static string Describe(string file, long offset, long fileLength, string damage) =>
        $"its write-ahead log {System.IO.Path.GetFileName(file)} holds {damage} at byte {offset} of {fileLength}: the " +
        "commits from there on cannot be replayed; every commit is synced before it is acknowledged, so this is damage, " +
        "not an unfinished write";

    private static bool HasIntactRecord(ReadOnlySpan<byte> block, int from)
    {
        for (var position = from; position + HeaderSize <= block.Length; position++)
        {
            var length = block[position + 4] | (block[position + 5] << 8);
            var type = block[position + 6];
            var headerSize = IsRecyclable(type) ? RecyclableHeaderSize : HeaderSize;
            if (type != 0 && position + headerSize + length <= block.Length && ChecksumMatches(block.Slice(position, headerSize + length)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The header's masked CRC32C covers the type byte (and the log number of a recyclable header) and the payload.</summary>
    private static bool ChecksumMatches(ReadOnlySpan<byte> record)
    {
        var expected = BinaryPrimitives.ReadUInt32LittleEndian(record);
        var covered = record[6..];
        var crc = uint.MaxValue;
        for (; covered.Length >= sizeof(ulong); covered = covered[sizeof(ulong)..])
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(covered));
        }

        foreach (var value in covered)
        {
            crc = BitOperations.Crc32C(crc, value);
        }

        crc = ~crc;
        var masked = ((crc >> 15) | (crc << 17)) + MaskDelta;
        return masked == expected;
    }

    // kRecyclableFullType..kRecyclableLastType, kRecyclableUserDefinedTimestampSizeType, kRecyclePredecessorWALInfoType.
    private static bool IsRecyclable(byte type) => type is >= 5 and <= 8 or 11 or 131;
}
