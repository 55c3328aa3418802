using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// A RocksDB iterator whose <see cref="Valid"/> checks the iterator's status whenever it answers false. RocksDB ends an
/// iteration the same way at the end of the data and at a read error (a damaged block, an I/O error): only the status
/// tells them apart. Every iterator of the store is one of these (SchemaOwnershipTests), so a scan that stopped on an
/// error throws <see cref="StorageReadException"/> (RocksDB's message) instead of ending early as a short answer.
/// </summary>
internal sealed class StoreIterator(Iterator iterator) : IDisposable
{
    public static StoreIterator Open(RocksDb db, ColumnFamilyHandle family, ReadOptions readOptions) =>
        new(db.NewIterator(family, readOptions));

    /// <summary>True when the iterator stands on an entry; false at the end of the data. Throws when it stopped on an error.</summary>
    public bool Valid()
    {
        if (iterator.Valid())
        {
            return true;
        }

        try
        {
            Native.Instance.rocksdb_iter_get_error(iterator.Handle);
        }
        catch (RocksDbException e)
        {
            throw new StorageReadException(e.Message, e);
        }

        return false;
    }

    public StoreIterator Seek(byte[] key)
    {
        iterator.Seek(key);
        return this;
    }

    public StoreIterator SeekForPrev(byte[] key)
    {
        iterator.SeekForPrev(key);
        return this;
    }

    public StoreIterator SeekToFirst()
    {
        iterator.SeekToFirst();
        return this;
    }

    public StoreIterator SeekToLast()
    {
        iterator.SeekToLast();
        return this;
    }

    public StoreIterator Next()
    {
        iterator.Next();
        return this;
    }

    public StoreIterator Prev()
    {
        iterator.Prev();
        return this;
    }

    public ReadOnlySpan<byte> GetKeySpan() => iterator.GetKeySpan();

    public byte[] Value() => iterator.Value();

    public void Dispose() => iterator.Dispose();
}
