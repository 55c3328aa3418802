using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// A backup taken by the worker: a consistent RocksDB checkpoint of the whole store at <see cref="CommitTs"/>,
/// in <see cref="Path"/> on the worker's machine. A worker started on that directory serves exactly that state.
/// </summary>
[MessagePackObject]
public sealed record BackupInfo(
    [property: Key(0)] string Path,
    [property: Key(1)] long CommitTs,
    [property: Key(2)] long CreatedAtUnixMs,
    [property: Key(3)] long SizeBytes);
