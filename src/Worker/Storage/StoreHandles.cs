using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// One open database and its column family handles (<see cref="ColumnFamilyNames"/>), replaced as a whole when
/// <see cref="StateStore"/> reopens. Only the schema types (<see cref="StoreBatch"/>, <see cref="StoreReader"/>) and the
/// store's own open code use them.
/// </summary>
internal sealed class StoreHandles(RocksDb db)
{
    public RocksDb Db { get; } = db;

    public ColumnFamilyHandle State { get; } = db.GetColumnFamily(ColumnFamilyNames.State);

    public ColumnFamilyHandle History { get; } = db.GetColumnFamily(ColumnFamilyNames.History);

    public ColumnFamilyHandle Log { get; } = db.GetColumnFamily(ColumnFamilyNames.Log);

    public ColumnFamilyHandle AgentLog { get; } = db.GetColumnFamily(ColumnFamilyNames.AgentLog);

    public ColumnFamilyHandle Inbox { get; } = db.GetColumnFamily(ColumnFamilyNames.Inbox);

    public ColumnFamilyHandle Meta { get; } = db.GetColumnFamily(ColumnFamilyNames.Meta);

    /// <summary>Every column family, in <see cref="ColumnFamilyNames.All"/> order.</summary>
    public IReadOnlyList<ColumnFamilyHandle> All => [State, History, Log, AgentLog, Inbox, Meta];
}
