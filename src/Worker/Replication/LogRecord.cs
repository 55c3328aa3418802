using MessagePack;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Replication;

/// <summary>
/// One message of the log stream <c>&lt;prefix&gt;.log</c> (docs/replication.md, "Log records"), serialized with
/// <see cref="StorageFormat"/> as a MessagePack array. The AMQP headers <see cref="KindHeader"/>, <see cref="EpochHeader"/>
/// and <see cref="SeqHeader"/> repeat <see cref="Kind"/>, <see cref="Epoch"/> and <see cref="Seq"/>.
/// </summary>
/// <param name="Kind">A group or an epoch marker.</param>
/// <param name="Epoch">The writer's epoch.</param>
/// <param name="Seq">Group: this record's seq (+1 per valid group record). Marker: the last seq its writer had applied.</param>
/// <param name="FirstCommitTs">Group: the first commit_ts the group hands out (the previous LastCommitTs + 1).</param>
/// <param name="LastCommitTs">Group: the last commit_ts after the group (FirstCommitTs - 1 when nothing committed). Marker: its writer's.</param>
/// <param name="StoreId">The deployment's store id.</param>
/// <param name="Writer">"host pid N store PATH" of the worker that published it, for messages.</param>
/// <param name="MarkerId">Marker: a fresh GUID by which its writer recognises it. Group: empty.</param>
/// <param name="Changes">Group: the group's changes in order (<see cref="StoreChanges"/>). Marker: null.</param>
[MessagePackObject]
internal sealed record LogRecord(
    [property: Key(0)] LogRecordKind Kind,
    [property: Key(1)] long Epoch,
    [property: Key(2)] long Seq,
    [property: Key(3)] long FirstCommitTs,
    [property: Key(4)] long LastCommitTs,
    [property: Key(5)] Guid StoreId,
    [property: Key(6)] string Writer,
    [property: Key(7)] Guid MarkerId,
    [property: Key(8)] IReadOnlyList<StoreChange>? Changes)
{
    /// <summary>AMQP header: "group" or "marker".</summary>
    public const string KindHeader = "x-statehouse-log-kind";

    /// <summary>AMQP header: the record's epoch (long).</summary>
    public const string EpochHeader = "x-statehouse-epoch";

    /// <summary>AMQP header: the record's seq (long).</summary>
    public const string SeqHeader = "x-statehouse-seq";

    public byte[] Serialize() => StorageFormat.Serialize(this);

    /// <summary>Throws <see cref="MessagePackSerializationException"/> when <paramref name="bytes"/> is not a log record.</summary>
    public static LogRecord Deserialize(ReadOnlyMemory<byte> bytes) => StorageFormat.Deserialize<LogRecord>(bytes);
}
