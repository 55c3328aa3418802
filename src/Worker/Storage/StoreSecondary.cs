using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// A RocksDB secondary instance of a store that another process holds open (its LOCK taken): reads only, and
/// <see cref="ReadLastCommitTs"/> first catches up with the primary's MANIFEST and WAL, so a standby can report the
/// active worker's real last commit_ts. Its own info log lives in a temporary directory, deleted on dispose.
/// Not thread-safe: callers serialize.
/// </summary>
internal sealed class StoreSecondary : IDisposable
{
    private readonly RocksDb _db;
    private readonly DirectoryInfo _secondaryDirectory;

    private StoreSecondary(string path, RocksDb db, DirectoryInfo secondaryDirectory)
    {
        Path = path;
        _db = db;
        _secondaryDirectory = secondaryDirectory;
    }

    /// <summary>The primary store's directory.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="path"/> as a secondary instance. Throws <see cref="StorageReadException"/> (RocksDB's message)
    /// when it cannot be read.
    /// </summary>
    public static StoreSecondary Open(string path)
    {
        var secondary = Directory.CreateTempSubdirectory("statehouse-secondary-");
        try
        {
            // A secondary must keep every table file open: the primary may delete files it compacted away.
            var options = new DbOptions().SetMaxOpenFiles(-1);
            var db = RocksDb.OpenAsSecondary(options, path, secondary.FullName, StateStore.AllFamilies());
            return new StoreSecondary(path, db, secondary);
        }
        catch (Exception e)
        {
            secondary.Delete(recursive: true);
            if (e is RocksDbException rocksDb)
            {
                throw new StorageReadException(rocksDb.Message, rocksDb);
            }

            throw;
        }
    }

    /// <summary>
    /// Catches up with the primary, then reads the last commit_ts from meta. Throws <see cref="StorageReadException"/>
    /// (RocksDB's message) when RocksDB cannot, <see cref="StoreOpenException"/> when the record is missing.
    /// </summary>
    public long ReadLastCommitTs()
    {
        try
        {
            _db.TryCatchUpWithPrimary();
            return StoreMeta.ReadLastCommitTs(_db, Path);
        }
        catch (RocksDbException e)
        {
            throw new StorageReadException(e.Message, e);
        }
    }

    public void Dispose()
    {
        _db.Dispose();
        try
        {
            _secondaryDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Only the secondary's info log; a temporary directory left behind is harmless.
        }
    }
}
