using MessagePack;

namespace Statehouse.AgentFramework.Checkpointing;

/// <summary>
/// The small index record of one checkpoint, under key <c>index/{Sequence:D19}</c> of the session's agent (so a prefix
/// scan lists a session's checkpoints in the order they were saved), and the value of the session's <c>head</c> key
/// (the latest checkpoint). <see cref="ParentCheckpointId"/> is null for a session's first checkpoint.
/// </summary>
[MessagePackObject]
public sealed record StatehouseCheckpointIndexEntry(
    [property: Key("checkpoint_id")] string CheckpointId,
    [property: Key("parent_checkpoint_id")] string? ParentCheckpointId,
    [property: Key("sequence")] long Sequence);
