using System.Diagnostics;
using System.Globalization;
using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// The RocksDB store: one directory, the column families of <see cref="ColumnFamilyNames"/>. Opens (refusing what is not
/// a complete, undamaged store of this schema), holds the lock, reopens after a failed write and closes. What goes where
/// is the schema types' business: <see cref="StoreBatch"/> writes, <see cref="StoreReader"/> reads (docs/storage.md).
/// An open runs <see cref="StoreOpenCheck"/> first, then loads the meta records (<see cref="StoreMeta"/>) and checks the
/// <see cref="AcknowledgedWatermark"/>, whose writer it keeps running until it closes.
/// Reads are thread-safe; writes come from the single commit loop only, always as one synced <see cref="WriteBatch"/>.
/// After a failed write RocksDB refuses further writes until the database is reopened, so the commit loop can
/// <see cref="TryReopen"/> it; readers hold a <see cref="ReadLease"/> so the handle is never closed under them.
/// </summary>
internal sealed class StateStore : IDisposable
{
    private static readonly WriteOptions s_unsyncedWrite = new WriteOptions().SetSync(false);
    private static readonly WriteOptions s_syncedWrite = new WriteOptions().SetSync(true);

    private readonly ReaderWriterLockSlim _reopenLock = new(LockRecursionPolicy.NoRecursion);
    private volatile StoreHandles? _handles;
    private long _lastCommitTs;
    private readonly Lock _positionLock = new();
    private ReplicationPosition _position;
    private TaskCompletionSource _lastCommitTsMoved = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
    /// Where the store stands in the replication log (docs/replication.md); <see cref="ReplicationPosition.None"/> for a
    /// store that never took part in replication. Loaded at open, moved by each synced write that carries a position.
    /// </summary>
    public ReplicationPosition Position
    {
        get
        {
            lock (_positionLock)
            {
                return _position;
            }
        }
    }

    /// <summary>
    /// True when the store holds nothing: no commit, no inbox entry, no replication position. Such a store may take a
    /// deployment's store id (<see cref="AdoptStoreId"/>) and be built from the log.
    /// Throws <see cref="StorageReadException"/> when RocksDB fails the check.
    /// </summary>
    public bool IsEmpty
    {
        get
        {
            using var lease = EnterRead();
            return LastCommitTs == 0 && Position == ReplicationPosition.None && StoreMeta.HoldsNothing(Handles);
        }
    }

    /// <summary>
    /// Completes the next time <see cref="LastCommitTs"/> changes (a synced write that commits, a reopen), for waits on
    /// a commit_ts without polling. Take it before reading <see cref="LastCommitTs"/>, so a change in between is not missed.
    /// </summary>
    public Task LastCommitTsMoved => Volatile.Read(ref _lastCommitTsMoved).Task;

    /// <summary>
    /// The store's identity: a random GUID written when the store is created (or, for a store made before ids existed,
    /// when it is first opened). A checkpoint or a copy of the directory carries the same id; a new store never does.
    /// </summary>
    public Guid StoreId { get; private set; }

    /// <summary>
    /// True when the store took its deployment's id empty (<see cref="AdoptStoreId"/>), also after a restart: it was built
    /// from the log, not the store the deployment's history began in, so it may never publish the log's first epoch marker.
    /// </summary>
    public bool IsAdopted { get; private set; }

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
    /// with STORAGE_ERROR until a later attempt succeeds. Called by the store's one writer: the commit loop, or with replication
    /// the log follower while the worker is a replica.
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
    internal void WriteSynced(WriteBatch batch, long lastCommitTs, ReplicationPosition? position = null)
    {
        if (lastCommitTs != LastCommitTs)
        {
            StoreMeta.PutLastCommitTs(batch, Handles, lastCommitTs);
        }

        if (position is { } at)
        {
            StoreMeta.PutPosition(batch, Handles, at);
        }

        Sync(batch);
        if (position is { } written)
        {
            lock (_positionLock)
            {
                _position = written;
            }
        }

        PublishLastCommitTs(lastCommitTs);
        _watermark?.Advance(lastCommitTs);
    }

    /// <summary>
    /// Gives an empty store (<see cref="IsEmpty"/>) the id <paramref name="storeId"/> of the deployment whose log will fill
    /// it, with sync. Throws <see cref="InvalidOperationException"/> when the store is not empty and
    /// <see cref="StorageWriteException"/> when the write fails.
    /// </summary>
    public void AdoptStoreId(Guid storeId)
    {
        if (!IsEmpty)
        {
            throw new InvalidOperationException($"The store at '{Path}' is not empty; only an empty store may take another store id.");
        }

        using var batch = new WriteBatch();
        StoreMeta.PutStoreId(batch, Handles, storeId);
        StoreMeta.PutAdopted(batch, Handles);
        Sync(batch);
        StoreId = storeId;
        IsAdopted = true;
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
    /// Writes housekeeping changes (a history horizon, no commit data) with sync, leaving meta's last commit_ts alone, so
    /// it may run beside the commit loop. Not counted in <see cref="SyncedWrites"/> (commits and the store's own records).
    /// Called through <see cref="StoreBatch.WriteHousekeepingSynced"/>; throws <see cref="StorageWriteException"/>.
    /// </summary>
    internal void WriteHousekeepingSynced(WriteBatch batch)
    {
        try
        {
            Handles.Db.Write(batch, s_syncedWrite);
        }
        catch (Exception e) when (e is RocksDbException or StorageUnavailableException)
        {
            throw new StorageWriteException($"Synced write to '{Path}' failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// Compacts what history pruning of <paramref name="ns"/> below <paramref name="horizon"/> deleted (RocksDB's
    /// CompactRange on the namespace's history and agent_log ranges and on the log below the horizon), so the deleted
    /// entries and their tombstones leave the table files and the store's size on disk falls. Blocks while RocksDB
    /// compacts (callers run beside the commit loop, holding a <see cref="ReadLease"/>); commits continue meanwhile.
    /// Throws <see cref="StorageWriteException"/> when RocksDB fails.
    /// </summary>
    public void CompactHistory(string ns, long horizon)
    {
        var handles = Handles;
        var start = KeyCodec.NamespacePrefix(ns);
        var limit = KeyCodec.PrefixUpperBound(start);
        try
        {
            handles.Db.CompactRange(start, limit, handles.History);
            handles.Db.CompactRange(start, limit, handles.AgentLog);
            handles.Db.CompactRange(null, KeyCodec.LogKey(horizon), handles.Log);
        }
        catch (RocksDbException e)
        {
            throw new StorageWriteException($"Compaction of '{Path}' failed: {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes a consistent checkpoint of the whole store (every column family, at one point in time) into
    /// <paramref name="directory"/>, which must not exist yet: RocksDB's own files, hard-linked where the filesystem
    /// allows, without the <see cref="AcknowledgedWatermark"/>. Commits continue meanwhile. Callers hold a <see cref="ReadLease"/>.
    /// Throws <see cref="StorageReadException"/> (RocksDB's message) when RocksDB cannot write it.
    /// </summary>
    public void Checkpoint(string directory)
    {
        try
        {
            using var checkpoint = Handles.Db.Checkpoint();
            checkpoint.Save(directory, 0);
        }
        catch (RocksDbException e)
        {
            throw new StorageReadException(e.Message, e);
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
    /// Table files per level (0-6, empty last levels left out) of each column family that reads search, e.g.
    /// <c>state [1], history [2 0 3], agent_log [1]</c>: how many files a lookup may have to look into. For diagnostics
    /// (the replay benchmark).
    /// </summary>
    public string DescribeReadLevels()
    {
        var levels = Enumerable.Range(0, 7).Select(level => GetFamilyProperty($"rocksdb.num-files-at-level{level}")).ToList();
        return string.Join(", ", new[] { ColumnFamilyNames.State, ColumnFamilyNames.History, ColumnFamilyNames.AgentLog }.Select(name =>
        {
            var family = ColumnFamilyNames.All.ToList().IndexOf(name);
            var files = levels.Select(level => level[family]).ToList();
            while (files.Count > 1 && files[^1] == 0)
            {
                files.RemoveAt(files.Count - 1);
            }

            return $"{name} [{string.Join(' ', files)}]";
        }));
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

    private void OpenHandles()
    {
        var exists = StoreOpenCheck.HoldsStore(Path);
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
            StoreOpenCheck.BeforeOpen(options, Path);
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
        catch (RocksDbException e)
        {
            throw StoreOpenCheck.OpenFailed(Path, e);
        }

        var handles = new StoreHandles(db);
        _handles = handles;
        try
        {
            var (lastCommitTs, storeId) = StoreMeta.Load(handles, Path, created: !exists, Sync);
            var position = StoreMeta.ReadPosition(handles, Path);
            lock (_positionLock)
            {
                _position = position;
            }

            PublishLastCommitTs(lastCommitTs);
            StoreId = storeId;
            IsAdopted = StoreMeta.ReadAdopted(handles);
            // Once per store: a reopen keeps the watermark's writer (and checks the file again).
            var acknowledged = AcknowledgedWatermark.Check(Path, lastCommitTs);
            _watermark ??= AcknowledgedWatermark.Start(Path, acknowledged);
            _watermark.Advance(lastCommitTs);
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

    /// <summary>Makes <paramref name="lastCommitTs"/> the store's, and completes <see cref="LastCommitTsMoved"/> when it changed.</summary>
    private void PublishLastCommitTs(long lastCommitTs)
    {
        if (Interlocked.Exchange(ref _lastCommitTs, lastCommitTs) != lastCommitTs)
        {
            Interlocked.Exchange(ref _lastCommitTsMoved, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>
    /// Writes <paramref name="batch"/> with sync, then tells the caller's callback how long it took and counts it in
    /// <see cref="SyncedWrites"/>. Throws <see cref="StorageWriteException"/> when the write fails.
    /// </summary>
    private void Sync(WriteBatch batch)
    {
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
    }
}
