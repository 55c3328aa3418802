namespace Statehouse.AgentFramework.Checkpointing;

/// <summary>
/// Where <see cref="StatehouseCheckpointStore"/> keeps a workflow session: agent id
/// <c><see cref="AgentIdPrefix"/> + sessionId</c> in <see cref="Namespace"/>.
/// </summary>
public sealed class StatehouseCheckpointStoreOptions
{
    /// <summary>The default <see cref="AgentIdPrefix"/>: session <c>s1</c> lives under agent id <c>workflow:s1</c>.</summary>
    public const string DefaultAgentIdPrefix = "workflow:";

    /// <summary>Statehouse namespace of the checkpoints; null = the client's default namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>Prefix of every session's agent id (may be empty). Distinct prefixes keep workflows apart from other agents.</summary>
    public string AgentIdPrefix { get; set; } = DefaultAgentIdPrefix;

    /// <summary>
    /// Whether a save may branch the session: continue from a checkpoint that is not the session's head as this store
    /// last saw it (a run restored from an older checkpoint, the framework's "time travel" inside one session). Default
    /// false: such a save throws <see cref="StatehouseCheckpointConflictException"/>, so the session stays one chain even
    /// when another process saved between reading the latest checkpoint and restoring it. With true, branches are
    /// saved (listed by parent), and that race can branch the session silently; to go back to an older step with the
    /// default, fork the session's agent into a new session (<c>StatehouseClient.ForkAsync</c>).
    /// </summary>
    public bool AllowBranches { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> for a white-space namespace or a null prefix.</summary>
    public void Validate()
    {
        if (Namespace is not null && string.IsNullOrWhiteSpace(Namespace))
        {
            throw new ArgumentException("Namespace must be null (the client's default) or a non-empty name.", nameof(Namespace));
        }

        ArgumentNullException.ThrowIfNull(AgentIdPrefix, nameof(AgentIdPrefix));
    }

    internal StatehouseCheckpointStoreOptions Clone() => new() { Namespace = Namespace, AgentIdPrefix = AgentIdPrefix, AllowBranches = AllowBranches };
}
