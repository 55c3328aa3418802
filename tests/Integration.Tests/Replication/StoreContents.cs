using System.Security.Cryptography;
using Statehouse.Worker.Storage;

namespace Statehouse.Integration.Tests.Replication;

/// <summary>
/// What a stopped worker's store holds, read through the store's own types: a SHA-256 digest of each column family that
/// replication copies (every family but meta, which holds each store's own position), the commit log as txn_ids by
/// commit_ts, the last commit_ts and the replication position.
/// </summary>
internal sealed record StoreContents(
    IReadOnlyDictionary<string, string> Digests, IReadOnlyList<(long CommitTs, string TxnId)> Log, long LastCommitTs, ReplicationPosition Position)
{
    /// <summary>Opens the store at <paramref name="path"/> (its worker must have stopped) and reads it.</summary>
    public static StoreContents Read(string path)
    {
        using var store = StateStore.Open(path);
        using var lease = store.EnterRead();
        var handles = store.Handles;
        var families = new (string Name, RocksDbSharp.ColumnFamilyHandle Handle)[]
        {
            (ColumnFamilyNames.State, handles.State), (ColumnFamilyNames.History, handles.History), (ColumnFamilyNames.Log, handles.Log),
            (ColumnFamilyNames.AgentLog, handles.AgentLog), (ColumnFamilyNames.Inbox, handles.Inbox),
        };
        var digests = new Dictionary<string, string>();
        foreach (var (name, handle) in families)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var iterator = handles.Db.NewIterator(handle);
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
            {
                var key = iterator.Key();
                var value = iterator.Value();
                hash.AppendData(BitConverter.GetBytes(key.Length));
                hash.AppendData(key);
                hash.AppendData(BitConverter.GetBytes(value.Length));
                hash.AppendData(value);
            }

            digests[name] = Convert.ToHexString(hash.GetHashAndReset());
        }

        var log = new List<(long, string)>();
        using (var iterator = handles.Db.NewIterator(handles.Log))
        {
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
            {
                log.Add((KeyCodec.ReadInt64(iterator.Key()), StorageFormat.Deserialize<LogEntry>(iterator.Value()).TxnId));
            }
        }

        return new StoreContents(digests, log, store.LastCommitTs, store.Position);
    }
}
