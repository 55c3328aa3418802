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

    /// <summary>Throws <see cref="ArgumentException"/> for a white-space namespace or a null prefix.</summary>
    public void Validate()
    {
        if (Namespace is not null && string.IsNullOrWhiteSpace(Namespace))
        {
            throw new ArgumentException("Namespace must be null (the client's default) or a non-empty name.", nameof(Namespace));
        }

        ArgumentNullException.ThrowIfNull(AgentIdPrefix, nameof(AgentIdPrefix));
    }

    internal StatehouseCheckpointStoreOptions Clone() => new() { Namespace = Namespace, AgentIdPrefix = AgentIdPrefix };
}
