namespace Statehouse.Client;

/// <summary>
/// Which commits <see cref="StatehouseClient.FollowAsync"/> delivers: those that touched one agent
/// (<see cref="ForAgent"/>: only that agent's operations, as <see cref="StatehouseClient.ReplayAsync"/> shows them) or
/// every commit of a namespace (<see cref="ForNamespace"/>: all operations, each naming its agent).
/// </summary>
public sealed record FollowFilter
{
    private FollowFilter(string? @namespace, string? agentId)
    {
        Namespace = @namespace;
        AgentId = agentId;
    }

    /// <summary>The namespace followed; null = the client's <see cref="StatehouseClientOptions.Namespace"/>.</summary>
    public string? Namespace { get; }

    /// <summary>The agent followed; null = every agent of <see cref="Namespace"/>.</summary>
    public string? AgentId { get; }

    /// <summary>The commits that touched <paramref name="agentId"/> in <paramref name="namespace"/> (null: the client's default).</summary>
    /// <exception cref="ArgumentException"><paramref name="agentId"/> is null or empty, or <paramref name="namespace"/> is empty.</exception>
    public static FollowFilter ForAgent(string agentId, string? @namespace = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        return new FollowFilter(RequireNamespace(@namespace), agentId);
    }

    /// <summary>Every commit of <paramref name="namespace"/> (null: the client's default).</summary>
    /// <exception cref="ArgumentException"><paramref name="namespace"/> is empty.</exception>
    public static FollowFilter ForNamespace(string? @namespace = null) => new(RequireNamespace(@namespace), null);

    public override string ToString() => AgentId is null
        ? $"namespace '{Namespace ?? "(default)"}'"
        : $"agent '{AgentId}' in namespace '{Namespace ?? "(default)"}'";

    private static string? RequireNamespace(string? @namespace) => @namespace is { Length: 0 }
        ? throw new ArgumentException("A namespace must not be empty; pass null for the client's default.", nameof(@namespace))
        : @namespace;
}
