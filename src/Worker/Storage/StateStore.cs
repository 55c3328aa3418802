using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// The RocksDB store: one directory, the column families of <see cref="ColumnFamilyNames"/>. Opens (refusing what is not
/// a complete, undamaged store of this schema), holds the lock, reopens after a failed write and closes. What goes where
/// is the schema types' business: <see cref="StoreBatch"/> writes, <see cref="StoreReader"/> reads (docs/storage.md).
/// Reads are thread-safe; writes come from the single commit loop only, always as one synced <see cref="WriteBatch"/>.
/// After a failed write RocksDB refuses further writes until the database is reopened, so the commit loop can
/// <see cref="TryReopen"/> it; readers hold a <see cref="ReadLease"/> so the handle is never closed under them.
/// </summary>
internal sealed class StateStore : IDisposable
{
    private static readonly byte[] s_lastCommitTsKey = "last_commit_ts"u8.ToArray();
    private static readonly byte[] s_schemaVersionKey = "schema_version"u8.ToArray();
    private static readonly byte[] s_storeIdKey = "store_id"u8.ToArray();
    private static readonly WriteOptions s_unsyncedWrite = new WriteOptions().SetSync(false);
    private static readonly WriteOptions s_syncedWrite = new WriteOptions().SetSync(true);
    private static readonly ReadOptions s_defaultRead = new();

    private readonly ReaderWriterLockSlim _reopenLock = new(LockRecursionPolicy.NoRecursion);
    private volatile StoreHandles? _handles;
    private long _lastCommitTs;
    private long _syncedWrites;
    private bool _disposed;
    private AcknowledgedWatermark? _watermark;

    private readonly StoreMemory _memory;
    private readonly Action<TimeSpan>? _onSyncedWrite;

    // One block cache and one table format for every column family, kept for the store's lifetime (reopens included):
    // the native options refer to them.
    private readonly Cache _blockCache;
    private readonly BlockBasedTableOptions _tableOptions;

    private StateStore(string path, StoreMemory memory, Action<TimeSpan>? onSyncedWrite)
    {
        Path = path;
        _memory = memory;
        _onSyncedWrite = onSyncedWrite;
        _blockCache = Cache.CreateLru((ulong)memory.BlockCacheBytes);
        // Bloom filters: most point lookups miss (a new txn_id in the inbox, a new record's state), and a filter
        // answers those without reading a data block. Index and filter blocks live in the shared cache, so their
        // memory is bounded by it instead of growing with the number of table files.
        _tableOptions = new BlockBasedTableOptions()
            .SetBlockCache(_blockCache)
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetCacheIndexAndFilterBlocks(true)
            .SetPinL0FilterAndIndexBlocksInCache(true);
    }

    public string Path { get; }

    /// <summary>Synced writes since open (one per committed group, and the one that creates a store): the store's fsync count.</summary>
    public long SyncedWrites => Interlocked.Read(ref _syncedWrites);

    /// <summary>The last committed commit_ts (0 for an empty store).</summary>
    public long LastCommitTs => Volatile.Read(ref _lastCommitTs);

    /// <summary>
    /// The store's identity: a random GUID written when the store is created (or, for a store made before ids existed,
    /// when it is first opened). A checkpoint or a copy of the directory carries the same id; a new store never does.
    /// </summary>
    public Guid StoreId { get; private set; }

    /// <summary>
    /// The open database and its column families, for the schema types only (<see cref="StoreBatch"/>,
    /// <see cref="StoreReader"/>). Throws <see cref="StorageUnavailableException"/> while the store is closed for a reopen.
    /// </summary>
    internal StoreHandles Handles => _handles ?? throw new StorageUnavailableException($"The store at '{Path}' is closed (reopening after a storage failure).");

    /// <summary>
    /// Opens the store at <paramref name="path"/>, creating it only when the directory is missing or empty.
    /// A non-empty directory that is not a complete store of this schema is refused, never overwritten.
    /// </summary>
    /// <param name="path">The store's directory.</param>
    /// <param name="memory">Block cache and write buffers; <see cref="StoreMemory.Default"/> when null.</param>
    /// <param name="onSyncedWrite">
    /// Told the duration of every successful synced write (the RocksDB write alone), including those the store makes
    /// while opening: the caller's metrics. The store itself records none.
    /// </param>
    public static StateStore Open(string path, StoreMemory? memory = null, Action<TimeSpan>? onSyncedWrite = null)
    {
        var store = new StateStore(System.IO.Path.GetFullPath(path), memory ?? StoreMemory.Default, onSyncedWrite);
        store.OpenHandles();
        return store;
    }

    /// <summary>
    /// Closes and reopens the database after a failed write (RocksDB stays read-only after an I/O error until then).
    /// Waits for readers in flight. Returns false, with the reason, when it cannot be opened yet; reads then fail
    /// with STORAGE_ERROR until a later attempt succeeds. Called by the commit loop only.
    /// </summary>
    public bool TryReopen(out string? error)
    {
        _reopenLock.EnterWriteLock();
        try
        {
            _handles?.Db.Dispose();
            _handles = null;
            OpenHandles();
            error = null;
            return true;
        }
        catch (Exception e) when (e is StoreOpenException or StoreLockedException)
        {
            error = e.Message;
            return false;
        }
        finally
        {
            _reopenLock.ExitWriteLock();
        }
    }

    /// <summary>Holds off <see cref="TryReopen"/> while a read (or a housekeeping pass) uses the database.</summary>
    public ReadLease EnterRead()
    {
        _reopenLock.EnterReadLock();
        return new ReadLease(_reopenLock);
    }

    /// <summary>
    /// Writes <paramref name="batch"/> with sync, adding the new last commit_ts to meta when it moved, and once the write
    /// returned publishes <paramref name="lastCommitTs"/>. Throws <see cref="StorageWriteException"/> when the write fails;
    /// then nothing of the batch is stored. Called through <see cref="StoreBatch.WriteSynced"/>.
    /// </summary>
    internal void WriteSynced(WriteBatch batch, long lastCommitTs)
    {
        if (lastCommitTs != LastCommitTs)
        {
            PutLastCommitTs(batch, lastCommitTs);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            Handles.Db.Write(batch, s_syncedWrite);
        }
        catch (Exception e) when (e is RocksDbException or StorageUnavailableException)
        {
            throw new StorageWriteException($"Synced write to '{Path}' failed: {e.Message}", e);
        }

        _onSyncedWrite?.Invoke(Stopwatch.GetElapsedTime(started));
        Interlocked.Increment(ref _syncedWrites);
        Volatile.Write(ref _lastCommitTs, lastCommitTs);
        _watermark?.Advance(lastCommitTs);
    }

    /// <summary>
    /// Writes housekeeping changes (no commit data) without sync; losing them in a crash is harmless.
    /// Called through <see cref="StoreBatch.WriteUnsynced"/>.
    /// </summary>
    internal void WriteUnsynced(WriteBatch batch)
    {
        try
        {
            Handles.Db.Write(batch, s_unsyncedWrite);
        }
        catch (Exception e) when (e is RocksDbException or StorageUnavailableException)
        {
            throw new StorageWriteException($"Write to '{Path}' failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// An integer RocksDB property (e.g. <c>rocksdb.size-all-mem-tables</c>, bytes) of every column family, in
    /// <see cref="ColumnFamilyNames.All"/> order, for diagnostics and tests. Throws when RocksDB does not know it.
    /// </summary>
    public IReadOnlyList<long> GetFamilyProperty(string name)
    {
        var handles = Handles;
        return [.. handles.All.Select(family => long.Parse(
            handles.Db.GetProperty(name, family) ?? throw new ArgumentException($"RocksDB has no property {name}", nameof(name)),
            CultureInfo.InvariantCulture))];
    }

    /// <summary>
    /// Writes a consistent checkpoint of the whole store (every column family, at one point in time) into
    /// <paramref name="directory"/>, which must not exist yet. Commits continue meanwhile. Callers hold a <see cref="ReadLease"/>.
    /// </summary>
    public void Checkpoint(string directory)
    {
        using var checkpoint = Handles.Db.Checkpoint();
        checkpoint.Save(directory, 0);
    }

    /// <summary>The last commit_ts recorded in the store at <paramref name="path"/>, opened read-only (e.g. a checkpoint).</summary>
    public static long ReadLastCommitTs(string path)
    {
        using var db = RocksDb.OpenReadOnly(new DbOptions(), path, AllFamilies(), false);
        return ReadLastCommitTs(db, path);
    }

    /// <summary>The last commit_ts in the meta column family of <paramref name="db"/>, a read-only or secondary instance of the store at <paramref name="path"/>.</summary>
    public static long ReadLastCommitTs(RocksDb db, string path)
    {
        var last = db.Get(s_lastCommitTsKey, db.GetColumnFamily(ColumnFamilyNames.Meta), s_defaultRead);
        return last is { Length: 8 } ? BinaryPrimitives.ReadInt64BigEndian(last) : throw new StoreOpenException($"'{path}' has no last commit_ts record.");
    }

    /// <summary>Every column family of the schema with default options, for opening a store read-only or as a secondary instance.</summary>
    public static ColumnFamilies AllFamilies()
    {
        var families = new ColumnFamilies();
        foreach (var name in ColumnFamilyNames.All)
        {
            families.Add(name, new ColumnFamilyOptions());
        }

        return families;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _watermark?.Dispose();
        _reopenLock.EnterWriteLock();
        try
        {
            _handles?.Db.Dispose();
            _handles = null;
        }
        finally
        {
            _reopenLock.ExitWriteLock();
        }

        _reopenLock.Dispose();
    }

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
        catch (RocksDbException e) when (IsDamage(e))
        {
            throw new StoreOpenException(Damaged(path, $"RocksDB reports \"{e.Message.Trim()}\""), e);
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

    /// <summary>
    /// RocksDB's own words for a LOCK held by another process ("While lock file: …/LOCK: Resource temporarily
    /// unavailable", PosixFileSystem::LockFile) or by this one ("lock hold by current process"). Matching the bare word
    /// "lock" took a damaged table file's "block checksum mismatch" for a held lock and waited as a standby forever.
    /// </summary>
    private static bool IsLockHeld(RocksDbException e) =>
        e.Message.Contains("While lock file", StringComparison.Ordinal) ||
        e.Message.Contains("lock hold by current process", StringComparison.Ordinal);

    /// <summary>
    /// Throws <see cref="StoreLockedException"/> while another process holds the store. RocksDB takes the lock before
    /// it reads anything, and with error_if_exists an open of an existing store stops right there: a standby retrying
    /// every <c>LockRetrySeconds</c> learns that the lock is taken without reading the logs of a live store.
    /// </summary>
    private static void ProbeLock(string path)
    {
        try
        {
            using var probe = RocksDb.Open(new DbOptions().SetErrorIfExists(true), path);
        }
        catch (RocksDbException e) when (IsLockHeld(e))
        {
            throw new StoreLockedException($"The store at '{path}' is in use by another process (its LOCK is held): {e.Message}", e);
        }
        catch (RocksDbException)
        {
            // "exists (error_if_exists is true)": the lock was free. Anything else is reported by the real open.
        }
    }

    private static void CheckWriteAheadLog(string path)
    {
        try
        {
            WriteAheadLogCheck.Verify(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreOpenException($"The store at '{path}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>RocksDB's status codes for a store that lacks or mangles what it recorded (not a lock or a setting).</summary>
    private static bool IsDamage(RocksDbException e) =>
        e.Message.StartsWith("Corruption:", StringComparison.Ordinal) || e.Message.Contains("No such file or directory", StringComparison.Ordinal);

    /// <summary>The one message for a damaged store: what is wrong, that nothing is served, and how to recover.</summary>
    internal static string Damaged(string path, string damage) =>
        $"The store at '{path}' is damaged: {damage}. Starting would serve a shorter history than was acknowledged and " +
        "hand out its commit_ts values again, so the store is not opened. Recover by restoring the latest backup into an " +
        "empty directory (statehouse restore; docs/operations.md, \"Damaged store\") and keep this directory for inspection.";

    private void OpenHandles()
    {
        var exists = Directory.Exists(Path) && Directory.EnumerateFileSystemEntries(Path).Any();
        if (exists && !File.Exists(System.IO.Path.Combine(Path, "CURRENT")))
        {
            throw new StoreOpenException(
                $"'{Path}' is not empty but holds no RocksDB store (no CURRENT file); refusing to create a store over it. " +
                "Point Statehouse:Storage:Path at the store's directory or at an empty one.");
        }

        if (!exists)
        {
            Directory.CreateDirectory(Path);
        }

        // Every commit is synced before it is acknowledged, so the only thing a log may lack is the one write in flight
        // at a crash: replay must end there or fail. kTolerateCorruptedTailRecords drops an unfinished last record and
        // fails on any other damage (the default, kPointInTimeRecovery, stops at the first bad record and reports
        // success; kAbsoluteConsistency also fails on the unfinished last record). WriteAheadLogCheck covers the damage
        // RocksDB takes for an unfinished record. paranoid_checks (with the default table file size checks at open)
        // refuses missing, truncated or grown table files and a MANIFEST that names missing files.
        var options = new DbOptions()
            .SetCreateIfMissing(!exists)
            .SetCreateMissingColumnFamilies(!exists)
            .SetParanoidChecks(true)
            .SetWalRecoveryMode(Recovery.TolerateCorruptedTailRecords)
            .SetKeepLogFileNum(5)
            .SetDbWriteBufferSize((ulong)_memory.WriteBufferBytes)
            .SetMaxTotalWalSize((ulong)_memory.MaxWalBytes);

        if (exists)
        {
            CheckColumnFamilies(options, Path);
            ProbeLock(Path);
            CheckWriteAheadLog(Path);
        }

        var families = new ColumnFamilies();
        foreach (var name in ColumnFamilyNames.All)
        {
            families.Add(name, new ColumnFamilyOptions()
                .SetWriteBufferSize((ulong)_memory.MemtableBytes)
                .SetBlockBasedTableFactory(_tableOptions));
        }

        RocksDb db;
        try
        {
            db = RocksDb.Open(options, Path, families);
        }
        catch (RocksDbException e) when (IsLockHeld(e))
        {
            throw new StoreLockedException($"The store at '{Path}' is in use by another process (its LOCK is held): {e.Message}", e);
        }
        catch (RocksDbException e) when (IsDamage(e))
        {
            throw new StoreOpenException(Damaged(Path, $"RocksDB reports \"{e.Message.Trim()}\""), e);
        }
        catch (RocksDbException e)
        {
            throw new StoreOpenException($"The store at '{Path}' cannot be opened (damaged?): {e.Message}", e);
        }

        _handles = new StoreHandles(db);
        try
        {
            Initialize(created: !exists);
            CheckAcknowledgedWatermark();
        }
        catch (Exception e)
        {
            _handles = null;
            db.Dispose();
            if (e is StorageWriteException write)
            {
                throw new StoreOpenException($"The store at '{Path}' cannot be initialized: {write.Message}", write);
            }

            throw;
        }
    }

    private void Initialize(bool created)
    {
        if (created)
        {
            using var batch = new WriteBatch();
            batch.Put(s_schemaVersionKey, EncodeInt64(StorageFormat.SchemaVersion), Handles.Meta);
            PutLastCommitTs(batch, 0);
            var id = Guid.NewGuid();
            batch.Put(s_storeIdKey, id.ToByteArray(), Handles.Meta);
            WriteSynced(batch, 0);
            StoreId = id;
            return;
        }

        var schema = GetMeta(s_schemaVersionKey);
        var last = GetMeta(s_lastCommitTsKey);
        if (schema is null && last is null && IsEmpty(Handles.Log) && IsEmpty(Handles.State))
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
        StoreId = ReadOrAddStoreId(lastCommitTs);
    }

    /// <summary>
    /// Refuses a store that ends below the commit_ts its watermark file records as synced: acknowledged commits are gone
    /// (a log or table file cut short or deleted, which RocksDB cannot tell from an unfinished write). Then starts the
    /// watermark's writer (once per store; a reopen keeps it).
    /// </summary>
    private void CheckAcknowledgedWatermark()
    {
        var acknowledged = AcknowledgedWatermark.Read(Path);
        var last = LastCommitTs;
        if (acknowledged > last)
        {
            throw new StoreOpenException(Damaged(Path,
                $"its acknowledged watermark ({AcknowledgedWatermark.FileName}) records commit_ts {acknowledged} as acknowledged but the store " +
                $"ends at commit_ts {last}: acknowledged commits are missing because a write-ahead log or table file is missing or cut short"));
        }

        _watermark ??= AcknowledgedWatermark.Start(Path, acknowledged);
        _watermark.Advance(last);
    }

    private Guid ReadOrAddStoreId(long lastCommitTs)
    {
        var stored = GetMeta(s_storeIdKey);
        if (stored is { Length: 16 })
        {
            return new Guid(stored);
        }

        if (stored is not null)
        {
            throw new StoreOpenException($"The store at '{Path}' has a damaged store id ({stored.Length} bytes instead of 16). Refusing to open it.");
        }

        // A store from before store ids: it gets its id now, once, and keeps it (synced, like the store's creation).
        var id = Guid.NewGuid();
        using var batch = new WriteBatch();
        batch.Put(s_storeIdKey, id.ToByteArray(), Handles.Meta);
        WriteSynced(batch, lastCommitTs);
        return id;
    }

    /// <summary>Adds the new last commit_ts to a batch (written together with the transactions that reach it).</summary>
    private void PutLastCommitTs(WriteBatch batch, long commitTs) => batch.Put(s_lastCommitTsKey, EncodeInt64(commitTs), Handles.Meta);

    private byte[]? GetMeta(byte[] key) => Handles.Db.Get(key, Handles.Meta, s_defaultRead);

    private bool IsEmpty(ColumnFamilyHandle family)
    {
        using var iterator = Handles.Db.NewIterator(family, s_defaultRead);
        return !iterator.SeekToFirst().Valid();
    }

    private long LastLoggedCommitTs()
    {
        using var iterator = Handles.Db.NewIterator(Handles.Log, s_defaultRead);
        return iterator.SeekToLast().Valid() ? KeyCodec.ReadInt64(iterator.GetKeySpan()) : 0;
    }
}
