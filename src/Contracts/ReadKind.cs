namespace Statehouse.Contracts;

/// <summary>The kind of a <see cref="ReadRequest"/>. Numeric values are part of the wire format.</summary>
public enum ReadKind : byte
{
    Get = 1,
    GetAtVersion = 2,
    GetAsOf = 3,
    ListKeys = 4,
    ScanPrefix = 5,
    Replay = 6,
    Health = 7,
    Version = 8,
    Stats = 9,

    /// <summary>Admin: take an online backup (checkpoint) named <see cref="ReadRequest.Key"/> (optional).</summary>
    Backup = 10,

    /// <summary>
    /// The agents of <see cref="ReadRequest.Namespace"/> that have at least one live record, in the order of their ids'
    /// UTF-8 bytes, paged like ListKeys: <see cref="ReadRequest.Prefix"/> filters agent ids, <see cref="ReadRequest.AfterKey"/>
    /// continues after that agent, <see cref="ReadRequest.Limit"/> caps the page; the reply's <see cref="ReadReply.Keys"/>
    /// holds the agent ids and <see cref="ReadReply.NextKey"/> the continuation. <see cref="ReadRequest.AgentId"/> is ignored.
    /// </summary>
    ListAgents = 11,
}
