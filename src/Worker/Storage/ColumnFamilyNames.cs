namespace Statehouse.Worker.Storage;

/// <summary>The store's column families (see DESIGN.md, storage layout).</summary>
internal static class ColumnFamilyNames
{
    /// <summary>Latest record per identity.</summary>
    public const string State = "state";

    /// <summary>identity ‖ version → record.</summary>
    public const string History = "history";

    /// <summary>commit_ts → event (txn_id and operations).</summary>
    public const string Log = "log";

    /// <summary>namespace ‖ agent ‖ commit_ts → that agent's operations, for replay.</summary>
    public const string AgentLog = "agent_log";

    /// <summary>txn_id → reply, for exactly-once effect.</summary>
    public const string Inbox = "inbox";

    /// <summary>last_commit_ts, schema_version, store_id (<see cref="StoreMeta"/>).</summary>
    public const string Meta = "meta";

    public static IReadOnlyList<string> All { get; } = [State, History, Log, AgentLog, Inbox, Meta];
}
