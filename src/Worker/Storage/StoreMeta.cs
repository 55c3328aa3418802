using System.Buffers.Binary;
using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// The meta column family's records (docs/storage.md): <c>schema_version</c> and <c>last_commit_ts</c>, 8-byte big-endian
/// integers, and <c>store_id</c>, a 16-byte GUID. Writes them when a store is created, checks them at every open, and
/// reads the last commit_ts of a store that is not open for writing (a backup checkpoint, a standby's secondary instance).
/// </summary>
internal static class StoreMeta
{
    private static readonly byte[] s_lastCommitTsKey = "last_commit_ts"u8.ToArray();
    private static readonly byte[] s_schemaVersionKey = "schema_version"u8.ToArray();
    private static readonly byte[] s_storeIdKey = "store_id"u8.ToArray();
    private static readonly byte[] s_positionKey = "replication_position"u8.ToArray();
    private static readonly byte[] s_adoptedKey = "adopted_store_id"u8.ToArray();
    private static readonly byte[] s_horizonKey = "history_horizon"u8.ToArray();
    private const int PositionLength = 5 * sizeof(long);
    private static readonly ReadOptions s_defaultRead = new();

    /// <summary>
    /// The last commit_ts and store id of the store just opened in <paramref name="handles"/>. A new store
    /// (<paramref name="created"/>, or an existing one a crash left without meta records before anything was committed)
    /// gets its records, and a store from before store ids its id, through <paramref name="writeSynced"/>. Throws
    /// <see cref="StoreOpenException"/> when the records are missing or damaged, of another schema version, or when the
    /// log does not end at the last commit_ts; a read of them that RocksDB fails (a damaged block, also one met by a scan
    /// of the log) is refused like any damaged store (<see cref="StoreOpenCheck.OpenFailed"/>).
    /// </summary>
    /// <param name="handles">The open database.</param>
    /// <param name="path">The store's directory, for messages.</param>
    /// <param name="created">True when the directory was missing or empty before this open.</param>
    /// <param name="writeSynced">Writes a batch of meta records with sync (the store's synced write, counted like a commit's).</param>
    public static (long LastCommitTs, Guid StoreId) Load(StoreHandles handles, string path, bool created, Action<WriteBatch> writeSynced)
    {
        if (created)
        {
            return Create(handles, writeSynced);
        }

        try
        {
            return LoadExisting(handles, path, writeSynced);
        }
        catch (RocksDbException e)
        {
            throw StoreOpenCheck.OpenFailed(path, e);
        }
        catch (StorageReadException e) when (e.InnerException is RocksDbException rocks)
        {
            throw StoreOpenCheck.OpenFailed(path, rocks);
        }
    }

    private static (long LastCommitTs, Guid StoreId) LoadExisting(StoreHandles handles, string path, Action<WriteBatch> writeSynced)
    {
        var schema = Get(handles, s_schemaVersionKey);
        var last = Get(handles, s_lastCommitTsKey);
        if (schema is null && last is null && IsEmpty(handles, handles.Log) && IsEmpty(handles, handles.State))
        {
            // A crash during the very first start can leave column families without meta records; nothing was committed yet.
            return Create(handles, writeSynced);
        }

        if (schema is not { Length: 8 } || last is not { Length: 8 })
        {
            throw new StoreOpenException($"The store at '{path}' has no valid meta records (schema version, last commit_ts): damaged or not a Statehouse store.");
        }

        var version = BinaryPrimitives.ReadInt64BigEndian(schema);
        if (version != StorageFormat.SchemaVersion && version != 1)
        {
            throw new StoreOpenException(OtherSchemaVersion(path, version));
        }

        var lastCommitTs = BinaryPrimitives.ReadInt64BigEndian(last);
        var logged = LastLoggedCommitTs(handles);
        if (logged != lastCommitTs)
        {
            throw new StoreOpenException(
                $"The store at '{path}' is inconsistent: meta says last commit_ts {lastCommitTs} but the log ends at {logged}. Refusing to open it.");
        }

        var storeId = ReadOrAddStoreId(handles, path, writeSynced);
        if (version == 1)
        {
            // 1 → 2: version 2 adds history horizons (none yet: a version-1 store was never pruned) and the log entries'
            // commit time (older entries read 0). Only the version moves, with sync, before anything is served; a version-1
            // worker then refuses the store, so it can never answer as-of reads below a horizon it does not know.
            using var upgrade = new WriteBatch();
            upgrade.Put(s_schemaVersionKey, EncodeInt64(StorageFormat.SchemaVersion), handles.Meta);
            writeSynced(upgrade);
        }

        return (lastCommitTs, storeId);
    }

    /// <summary>The one message for a store of another schema version than <see cref="StorageFormat.SchemaVersion"/>.</summary>
    public static string OtherSchemaVersion(string path, long version) =>
        $"The store at '{path}' has schema version {version}; this worker reads version {StorageFormat.SchemaVersion}.";

    /// <summary>
    /// The schema version recorded in the store at <paramref name="path"/>, read before it is opened for writing, when it
    /// lacks some of today's column families (<see cref="StoreOpenCheck"/>): the meta column family alone is opened
    /// read-only. Null when that cannot be read or holds no valid version record (then the store is damaged).
    /// </summary>
    public static long? ReadSchemaVersion(string path)
    {
        var meta = new ColumnFamilies { { ColumnFamilyNames.Meta, new ColumnFamilyOptions() } };
        try
        {
            using var db = RocksDb.OpenReadOnly(new DbOptions(), path, meta, false);
            var schema = db.Get(s_schemaVersionKey, db.GetColumnFamily(ColumnFamilyNames.Meta), s_defaultRead);
            return schema is { Length: 8 } ? BinaryPrimitives.ReadInt64BigEndian(schema) : null;
        }
        catch (RocksDbException)
        {
            return null;
        }
    }

    /// <summary>
    /// Adds the store's replication position to a batch: <c>replication_position</c>, five 8-byte big-endian integers
    /// (epoch, seq, resume offset, resume epoch, resume seq; docs/storage.md).
    /// </summary>
    public static void PutPosition(WriteBatch batch, StoreHandles handles, ReplicationPosition position)
    {
        var bytes = new byte[PositionLength];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, position.Epoch);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], position.Seq);
        BinaryPrimitives.WriteInt64BigEndian(span[16..], position.ResumeOffset);
        BinaryPrimitives.WriteInt64BigEndian(span[24..], position.ResumeEpoch);
        BinaryPrimitives.WriteInt64BigEndian(span[32..], position.ResumeSeq);
        batch.Put(s_positionKey, bytes, handles.Meta);
    }

    /// <summary>
    /// The replication position of the open store; <see cref="ReplicationPosition.None"/> when it has none (a store that
    /// never took part in replication, or one from before it existed: no schema change). Throws
    /// <see cref="StoreOpenException"/> when the record is damaged.
    /// </summary>
    public static ReplicationPosition ReadPosition(StoreHandles handles, string path)
    {
        var bytes = Get(handles, s_positionKey);
        if (bytes is null)
        {
            return ReplicationPosition.None;
        }

        if (bytes.Length != PositionLength)
        {
            throw new StoreOpenException($"The store at '{path}' has a damaged replication position ({bytes.Length} bytes instead of {PositionLength}). Refusing to open it.");
        }

        var span = bytes.AsSpan();
        return new ReplicationPosition(
            BinaryPrimitives.ReadInt64BigEndian(span), BinaryPrimitives.ReadInt64BigEndian(span[8..]),
            BinaryPrimitives.ReadInt64BigEndian(span[16..]), BinaryPrimitives.ReadInt64BigEndian(span[24..]),
            BinaryPrimitives.ReadInt64BigEndian(span[32..]));
    }

    /// <summary>
    /// The meta key of a namespace's history horizon: <c>history_horizon</c> ‖ the namespace as a key component
    /// (<see cref="KeyCodec.NamespacePrefix"/>). Its value is the horizon's commit_ts, 8 bytes big-endian.
    /// </summary>
    public static byte[] HorizonKey(string ns) => [.. s_horizonKey, .. KeyCodec.NamespacePrefix(ns)];

    /// <summary>Adds a namespace's history horizon (a commit_ts) to a batch.</summary>
    public static void PutHorizon(WriteBatch batch, StoreHandles handles, string ns, long horizon) =>
        batch.Put(HorizonKey(ns), EncodeInt64(horizon), handles.Meta);

    /// <summary>Decodes a stored horizon; 0 (nothing pruned) for none. Throws <see cref="StorageReadException"/> for a damaged one.</summary>
    public static long DecodeHorizon(byte[]? bytes) => bytes switch
    {
        null => 0,
        { Length: 8 } => BinaryPrimitives.ReadInt64BigEndian(bytes),
        _ => throw new StorageReadException($"a damaged history horizon ({bytes.Length} bytes instead of 8)"),
    };

    /// <summary>Adds a store id to a batch (an empty store taking its deployment's id).</summary>
    public static void PutStoreId(WriteBatch batch, StoreHandles handles, Guid storeId) =>
        batch.Put(s_storeIdKey, storeId.ToByteArray(), handles.Meta);

    /// <summary>
    /// Marks in a batch that the store took its id from the deployment empty (<c>adopted_store_id</c>, one byte 1): it is
    /// not the store the deployment's history began in, so it must never publish the log's first epoch marker.
    /// </summary>
    public static void PutAdopted(WriteBatch batch, StoreHandles handles) =>
        batch.Put(s_adoptedKey, new byte[] { 1 }, handles.Meta);

    /// <summary>Whether the open store took its id from the deployment empty (<see cref="PutAdopted"/>).</summary>
    public static bool ReadAdopted(StoreHandles handles) => Get(handles, s_adoptedKey) is not null;

    /// <summary>True when the state, log and inbox column families hold nothing.</summary>
    public static bool HoldsNothing(StoreHandles handles) =>
        IsEmpty(handles, handles.State) && IsEmpty(handles, handles.Log) && IsEmpty(handles, handles.Inbox);

    /// <summary>Adds the new last commit_ts to a batch (written together with the transactions that reach it).</summary>
    public static void PutLastCommitTs(WriteBatch batch, StoreHandles handles, long commitTs) =>
        batch.Put(s_lastCommitTsKey, EncodeInt64(commitTs), handles.Meta);

    /// <summary>
    /// The last commit_ts recorded in the store at <paramref name="path"/>, opened read-only (e.g. a checkpoint). Throws
    /// <see cref="StorageReadException"/> (RocksDB's message) when RocksDB cannot read it, <see cref="StoreOpenException"/>
    /// when the record is missing.
    /// </summary>
    public static long ReadLastCommitTs(string path)
    {
        try
        {
            using var db = RocksDb.OpenReadOnly(new DbOptions(), path, StateStore.AllFamilies(), false);
            return ReadLastCommitTs(db, path);
        }
        catch (RocksDbException e)
        {
            throw new StorageReadException(e.Message, e);
        }
    }

    /// <summary>
    /// The last commit_ts in the meta column family of <paramref name="db"/>, a read-only or secondary instance of the store
    /// at <paramref name="path"/>. Throws <see cref="StoreOpenException"/> when the record is missing.
    /// </summary>
    public static long ReadLastCommitTs(RocksDb db, string path)
    {
        var last = db.Get(s_lastCommitTsKey, db.GetColumnFamily(ColumnFamilyNames.Meta), s_defaultRead);
        return last is { Length: 8 } ? BinaryPrimitives.ReadInt64BigEndian(last) : throw new StoreOpenException($"'{path}' has no last commit_ts record.");
    }

    private static (long LastCommitTs, Guid StoreId) Create(StoreHandles handles, Action<WriteBatch> writeSynced)
    {
        using var batch = new WriteBatch();
        batch.Put(s_schemaVersionKey, EncodeInt64(StorageFormat.SchemaVersion), handles.Meta);
        PutLastCommitTs(batch, handles, 0);
        var id = Guid.NewGuid();
        batch.Put(s_storeIdKey, id.ToByteArray(), handles.Meta);
        writeSynced(batch);
        return (0, id);
    }

    private static Guid ReadOrAddStoreId(StoreHandles handles, string path, Action<WriteBatch> writeSynced)
    {
        var stored = Get(handles, s_storeIdKey);
        if (stored is { Length: 16 })
        {
            return new Guid(stored);
        }

        if (stored is not null)
        {
            throw new StoreOpenException($"The store at '{path}' has a damaged store id ({stored.Length} bytes instead of 16). Refusing to open it.");
        }

        // A store from before store ids: it gets its id now, once, and keeps it (synced, like the store's creation).
        var id = Guid.NewGuid();
        using var batch = new WriteBatch();
        batch.Put(s_storeIdKey, id.ToByteArray(), handles.Meta);
        writeSynced(batch);
        return id;
    }

    private static byte[] EncodeInt64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[]? Get(StoreHandles handles, byte[] key) => handles.Db.Get(key, handles.Meta, s_defaultRead);

    private static bool IsEmpty(StoreHandles handles, ColumnFamilyHandle family)
    {
        using var iterator = StoreIterator.Open(handles.Db, family, s_defaultRead);
        return !iterator.SeekToFirst().Valid();
    }

    private static long LastLoggedCommitTs(StoreHandles handles)
    {
        using var iterator = StoreIterator.Open(handles.Db, handles.Log, s_defaultRead);
        return iterator.SeekToLast().Valid() ? KeyCodec.ReadInt64(iterator.GetKeySpan()) : 0;
    }
}
