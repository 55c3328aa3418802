using System.Buffers.Binary;
using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// The RocksDB store: one directory, the column families of <see cref="ColumnFamilyNames"/>. Reads are thread-safe;
/// writes come from the single commit loop only, always as one synced <see cref="WriteBatch"/>.
/// </summary>
internal sealed class StateStore : IDisposable
{
    private static readonly byte[] s_lastCommitTsKey = "last_commit_ts"u8.ToArray();
    private static readonly byte[] s_schemaVersionKey = "schema_version"u8.ToArray();

    private static readonly WriteOptions s_unsyncedWrite = new WriteOptions().SetSync(false);

    private readonly RocksDb _db;
    private readonly WriteOptions _syncWrite = new WriteOptions().SetSync(true);
    private long _lastCommitTs;
    private long _syncedWrites;
    private bool _disposed;

    private StateStore(RocksDb db, string path)
    {
        _db = db;
        Path = path;
        State = db.GetColumnFamily(ColumnFamilyNames.State);
        History = db.GetColumnFamily(ColumnFamilyNames.History);
        Log = db.GetColumnFamily(ColumnFamilyNames.Log);
        AgentLog = db.GetColumnFamily(ColumnFamilyNames.AgentLog);
        Inbox = db.GetColumnFamily(ColumnFamilyNames.Inbox);
        Meta = db.GetColumnFamily(ColumnFamilyNames.Meta);
    }

    public string Path { get; }

    public ColumnFamilyHandle State { get; }

    public ColumnFamilyHandle History { get; }

    public ColumnFamilyHandle Log { get; }

    public ColumnFamilyHandle AgentLog { get; }

    public ColumnFamilyHandle Inbox { get; }

    public ColumnFamilyHandle Meta { get; }

    /// <summary>Synced writes since open (one per committed group): the store's fsync count.</summary>
    public long SyncedWrites => Interlocked.Read(ref _syncedWrites);

    /// <summary>The last committed commit_ts (0 for an empty store).</summary>
    public long LastCommitTs => Volatile.Read(ref _lastCommitTs);

    /// <summary>
    /// Opens the store at <paramref name="path"/>, creating it only when the directory is missing or empty.
    /// A non-empty directory that is not a complete store of this schema is refused, never overwritten.
    /// </summary>
    public static StateStore Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var exists = Directory.Exists(fullPath) && Directory.EnumerateFileSystemEntries(fullPath).Any();
        if (exists && !File.Exists(System.IO.Path.Combine(fullPath, "CURRENT")))
        {
            throw new StoreOpenException(
                $"'{fullPath}' is not empty but holds no RocksDB store (no CURRENT file); refusing to create a store over it. " +
                "Point Statehouse:Storage:Path at the store's directory or at an empty one.");
        }

        if (!exists)
        {
            Directory.CreateDirectory(fullPath);
        }

        var options = new DbOptions()
            .SetCreateIfMissing(!exists)
            .SetCreateMissingColumnFamilies(!exists)
            .SetParanoidChecks(true)
            .SetKeepLogFileNum(5);

        if (exists)
        {
            CheckColumnFamilies(options, fullPath);
        }

        var families = new ColumnFamilies();
        foreach (var name in ColumnFamilyNames.All)
        {
            families.Add(name, new ColumnFamilyOptions());
        }

        RocksDb db;
        try
        {
            db = RocksDb.Open(options, fullPath, families);
        }
        catch (RocksDbException e) when (e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreOpenException($"The store at '{fullPath}' is in use by another process (its LOCK is held): {e.Message}", e);
        }
        catch (RocksDbException e)
        {
            throw new StoreOpenException($"The store at '{fullPath}' cannot be opened (damaged?): {e.Message}", e);
        }

        var store = new StateStore(db, fullPath);
        try
        {
            store.Initialize(created: !exists);
        }
        catch
        {
            store.Dispose();
            throw;
        }

        return store;
    }

    /// <summary>
    /// Writes <paramref name="batch"/> with sync and, once it returned, publishes <paramref name="lastCommitTs"/>.
    /// Throws <see cref="StorageWriteException"/> when the write fails; then nothing of the batch is stored.
    /// </summary>
    public void Write(WriteBatch batch, long lastCommitTs)
    {
        try
        {
            _db.Write(batch, _syncWrite);
        }
        catch (RocksDbException e)
        {
            throw new StorageWriteException($"Synced write to '{Path}' failed: {e.Message}", e);
        }

        Interlocked.Increment(ref _syncedWrites);
        Volatile.Write(ref _lastCommitTs, lastCommitTs);
    }

    /// <summary>Writes housekeeping changes (no commit data) without sync; losing them in a crash is harmless.</summary>
    public void WriteUnsynced(WriteBatch batch)
    {
        try
        {
            _db.Write(batch, s_unsyncedWrite);
        }
        catch (RocksDbException e)
        {
            throw new StorageWriteException($"Write to '{Path}' failed: {e.Message}", e);
        }
    }

    /// <summary>Adds the new last commit_ts to a batch (written together with the transactions that reach it).</summary>
    public void PutLastCommitTs(WriteBatch batch, long commitTs) => batch.Put(s_lastCommitTsKey, EncodeInt64(commitTs), Meta);

    public byte[]? Get(ColumnFamilyHandle family, byte[] key, ReadOptions? readOptions = null) =>
        _db.Get(key, family, readOptions ?? DefaultReadOptions);

    public Iterator NewIterator(ColumnFamilyHandle family, ReadOptions? readOptions = null) =>
        _db.NewIterator(family, readOptions ?? DefaultReadOptions);

    /// <summary>A consistent point-in-time view for a read that looks at several keys.</summary>
    public StoreSnapshot OpenSnapshot() => new(_db.CreateSnapshot());

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _db.Dispose();
    }

    private static ReadOptions DefaultReadOptions { get; } = new();

    private static byte[] EncodeInt64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static void CheckColumnFamilies(DbOptions options, string path)
    {
        string[] present;
        try
        {
            present = [.. RocksDb.ListColumnFamilies(options, path)];
        }
        catch (RocksDbException e)
        {
            throw new StoreOpenException($"The store at '{path}' cannot be read (damaged?): {e.Message}", e);
        }

        var missing = ColumnFamilyNames.All.Except(present, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new StoreOpenException(
                $"The store at '{path}' lacks column families {string.Join(", ", missing)}: it is not a Statehouse store or it is damaged. Refusing to open it.");
        }
    }

    private void Initialize(bool created)
    {
        if (created)
        {
            using var batch = new WriteBatch();
            batch.Put(s_schemaVersionKey, EncodeInt64(StorageFormat.SchemaVersion), Meta);
            PutLastCommitTs(batch, 0);
            Write(batch, 0);
            return;
        }

        var schema = Get(Meta, s_schemaVersionKey);
        var last = Get(Meta, s_lastCommitTsKey);
        if (schema is null && last is null && IsEmpty(Log) && IsEmpty(State))
        {
            // A crash during the very first start can leave column families without meta records; nothing was committed yet.
            Initialize(created: true);
            return;
        }

        if (schema is not { Length: 8 } || last is not { Length: 8 })
        {
            throw new StoreOpenException($"The store at '{Path}' has no valid meta records (schema version, last commit_ts): damaged or not a Statehouse store.");
        }

        var version = BinaryPrimitives.ReadInt64BigEndian(schema);
        if (version != StorageFormat.SchemaVersion)
        {
            throw new StoreOpenException($"The store at '{Path}' has schema version {version}; this worker reads version {StorageFormat.SchemaVersion}.");
        }

        var lastCommitTs = BinaryPrimitives.ReadInt64BigEndian(last);
        var logged = LastLoggedCommitTs();
        if (logged != lastCommitTs)
        {
            throw new StoreOpenException(
                $"The store at '{Path}' is inconsistent: meta says last commit_ts {lastCommitTs} but the log ends at {logged}. Refusing to open it.");
        }

        Volatile.Write(ref _lastCommitTs, lastCommitTs);
    }

    private bool IsEmpty(ColumnFamilyHandle family)
    {
        using var iterator = NewIterator(family);
        return !iterator.SeekToFirst().Valid();
    }

    private long LastLoggedCommitTs()
    {
        using var iterator = NewIterator(Log);
        return iterator.SeekToLast().Valid() ? KeyCodec.ReadInt64(iterator.GetKeySpan()) : 0;
    }
}
