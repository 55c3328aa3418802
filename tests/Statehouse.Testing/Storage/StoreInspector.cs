using System.Buffers.Binary;
using System.Security.Cryptography;
using MessagePack;
using RocksDbSharp;

namespace Statehouse.Testing.Storage;

/// <summary>
/// Reads a stopped worker's store directory read-only, as a test's independent witness of what is on disk (it knows
/// the layout of docs/storage.md, not the worker's code): a SHA-256 digest of each column family whose content every
/// replica of a deployment must share (state, history, log, agent_log, inbox; meta is each store's own, it holds the
/// store's replication position), the <c>log</c> column family's commits in commit_ts order, and meta's last commit_ts
/// and store id.
/// </summary>
public static class StoreInspector
{
    /// <summary>The column families digested: every one but meta.</summary>
    public static IReadOnlyList<string> DigestedFamilies { get; } = ["state", "history", "log", "agent_log", "inbox"];

    private const string LogFamily = "log";
    private const string MetaFamily = "meta";
    private static readonly byte[] s_lastCommitTsKey = "last_commit_ts"u8.ToArray();
    private static readonly byte[] s_storeIdKey = "store_id"u8.ToArray();

    /// <summary>
    /// Reads the store at <paramref name="path"/> (RocksDB read-only: a worker must not hold it, and nothing is written;
    /// the write-ahead log is replayed in memory, so a killed worker's last synced write counts).
    /// </summary>
    /// <exception cref="InvalidOperationException">No store there, a column family missing, or a log entry that does not decode; the message names the store.</exception>
    public static StoreContents Read(string path)
    {
        if (!File.Exists(Path.Combine(path, "CURRENT")))
        {
            throw new InvalidOperationException($"'{path}' holds no RocksDB store (no CURRENT file).");
        }

        var names = RocksDb.ListColumnFamilies(new DbOptions(), path).ToHashSet(StringComparer.Ordinal);
        var missing = DigestedFamilies.Append(MetaFamily).Where(f => !names.Contains(f)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The store at '{path}' lacks the column families {string.Join(", ", missing)} (it has {string.Join(", ", names)}).");
        }

        var families = new ColumnFamilies();
        foreach (var name in names)
        {
            families.Add(name, new ColumnFamilyOptions());
        }

        try
        {
            using var db = RocksDb.OpenReadOnly(new DbOptions(), path, families, false);
            var digests = new Dictionary<string, FamilyDigest>(StringComparer.Ordinal);
            foreach (var family in DigestedFamilies)
            {
                digests[family] = Digest(db, family);
            }

            var meta = db.GetColumnFamily(MetaFamily);
            var last = db.Get(s_lastCommitTsKey, meta);
            var storeId = db.Get(s_storeIdKey, meta);
            return new StoreContents(
                path,
                digests,
                ReadLog(db, path),
                last is { Length: 8 } ? BinaryPrimitives.ReadInt64BigEndian(last) : null,
                storeId is { Length: 16 } ? new Guid(storeId) : null);
        }
        catch (RocksDbException e)
        {
            throw new InvalidOperationException($"RocksDB cannot read the store at '{path}': {e.Message}", e);
        }
    }

    /// <summary>SHA-256 over every entry in key order, each as its key's and value's length (4 bytes big-endian) and bytes.</summary>
    private static FamilyDigest Digest(RocksDb db, string family)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var length = new byte[4];
        long entries = 0;
        Scan(db, family, (key, value) =>
        {
            BinaryPrimitives.WriteInt32BigEndian(length, key.Length);
            hash.AppendData(length);
            hash.AppendData(key);
            BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
            hash.AppendData(length);
            hash.AppendData(value);
            entries++;
        });
        return new FamilyDigest(family, entries, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>
    /// The log column family in key order: key = commit_ts as 8 bytes big-endian, value = the MessagePack array
    /// <c>[txn_id, namespace, operations]</c>.
    /// </summary>
    private static List<LoggedCommit> ReadLog(RocksDb db, string path)
    {
        var commits = new List<LoggedCommit>();
        Scan(db, LogFamily, (key, value) =>
        {
            if (key.Length != 8)
            {
                throw new InvalidOperationException($"The store at '{path}' has a log key of {key.Length} bytes ({Convert.ToHexString(key)}); commit_ts keys have 8.");
            }

            var commitTs = BinaryPrimitives.ReadInt64BigEndian(key);
            try
            {
                var reader = new MessagePackReader(value);
                var count = reader.ReadArrayHeader();
                if (count < 3)
                {
                    throw new MessagePackSerializationException($"an array of {count} elements, not [txn_id, namespace, operations]");
                }

                var txnId = reader.ReadString() ?? "";
                var ns = reader.ReadString() ?? "";
                var operations = reader.ReadArrayHeader();
                commits.Add(new LoggedCommit(commitTs, txnId, ns, operations));
            }
            catch (MessagePackSerializationException e)
            {
                throw new InvalidOperationException($"The store at '{path}' has a log entry at commit_ts {commitTs} that does not decode: {e.Message}", e);
            }
        });
        return commits;
    }

    private static void Scan(RocksDb db, string family, Action<byte[], byte[]> visit)
    {
        using var iterator = db.NewIterator(db.GetColumnFamily(family));
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            visit(iterator.Key(), iterator.Value());
        }

        // Valid() is false alike at the end and at a read error: an error must not pass for the end of the data.
        Native.Instance.rocksdb_iter_get_error(iterator.Handle);
    }
}
