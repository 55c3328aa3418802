using System.Buffers;
using System.Runtime.InteropServices;
using MessagePack;
using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// Puts a <see cref="StoredRecord"/> into a WriteBatch in two parts, its MessagePack header and its value, so that a value
/// goes from the decoded envelope into the batch without first being copied into a serialized record (RocksDB's
/// <c>rocksdb_writebatch_putv_cf</c> joins the parts in the batch). The bytes stored are exactly those of
/// <see cref="StorageFormat.Serialize{T}"/>: the same array of four, with the same encodings.
/// </summary>
internal static class StoredRecordWriter
{
    /// <summary>
    /// The record without its value bytes: array header, version, commit_ts, deleted, then the value's bin header
    /// (or nil). At most 1 + 9 + 9 + 1 + 5 bytes.
    /// </summary>
    public static byte[] Header(StoredRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(4);
        writer.Write(record.Version);
        writer.Write(record.CommitTs);
        writer.Write(record.Deleted);
        if (record.Value is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.WriteBinHeader(record.Value.Length);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Puts <paramref name="key"/> → the record (header from <see cref="Header"/>, then its value) into <paramref name="batch"/>.</summary>
    public static void Put(WriteBatch batch, ColumnFamilyHandle columnFamily, byte[] key, byte[] header, byte[]? value)
    {
        if (value is not { Length: > 0 })
        {
            // Nothing to spare a copy of: the header is the whole record (nil, or an empty bin).
            batch.Put(key, header, columnFamily);
            return;
        }

        var keyPin = GCHandle.Alloc(key, GCHandleType.Pinned);
        var headerPin = GCHandle.Alloc(header, GCHandleType.Pinned);
        var valuePin = GCHandle.Alloc(value, GCHandleType.Pinned);
        try
        {
            Native.Instance.rocksdb_writebatch_putv_cf(
                batch.Handle, columnFamily.Handle,
                1, [keyPin.AddrOfPinnedObject()], [(UIntPtr)key.Length],
                2, [headerPin.AddrOfPinnedObject(), valuePin.AddrOfPinnedObject()], [(UIntPtr)header.Length, (UIntPtr)value.Length]);
        }
        finally
        {
            valuePin.Free();
            headerPin.Free();
            keyPin.Free();
        }
    }
}
