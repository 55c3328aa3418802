namespace Statehouse.Soak.Load;

/// <summary>The shape of the soak's data and the client settings shared by the client processes and the checker.</summary>
internal static class Workload
{
    /// <summary>Keys per agent: few, so that transactions collide and expect-version checks sometimes fail.</summary>
    public const int KeysPerAgent = 8;

    /// <summary>Share of transactions that read a record first and expect its version.</summary>
    public const double ExpectShare = 0.3;

    /// <summary>Share of operations that delete instead of write.</summary>
    public const double DeleteShare = 0.1;

    /// <summary>Short, so that a commit whose worker died is resent soon after the restart.</summary>
    public static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Default attempts per commit, 2 s × 60: a client rides through two minutes without a worker before it calls a
    /// commit in doubt. Fewer (<c>--commit-attempts</c>) make in-doubt transactions that the worker may still apply.
    /// </summary>
    public const int MaxCommitAttempts = 60;

    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    public static string AgentName(int index) => $"agent-{index:D2}";

    public static string KeyName(int index) => $"key-{index}";

    public static IEnumerable<string> AgentNames(int agents) => Enumerable.Range(0, agents).Select(AgentName);

    public static IEnumerable<string> KeyNames() => Enumerable.Range(0, KeysPerAgent).Select(KeyName);
}
