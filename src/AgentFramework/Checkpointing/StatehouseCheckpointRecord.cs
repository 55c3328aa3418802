using MessagePack;

namespace Statehouse.AgentFramework.Checkpointing;

/// <summary>
/// One workflow checkpoint as stored under key <c>checkpoints/{CheckpointId}</c> of the session's agent: the framework's
/// checkpoint JSON as text, the checkpoint it was taken after (<see cref="ParentCheckpointId"/>, null for the first) and
/// its 1-based position in the session (<see cref="Sequence"/>, gapless per session). A MessagePack map with
/// snake_case names, so <c>statehouse replay</c> and <c>get</c> show it as JSON.
/// </summary>
[MessagePackObject]
public sealed record StatehouseCheckpointRecord(
    [property: Key("checkpoint_id")] string CheckpointId,
    [property: Key("parent_checkpoint_id")] string? ParentCheckpointId,
    [property: Key("sequence")] long Sequence,
    [property: Key("json")] string Json);
