using MessagePack;

namespace Statehouse.Contracts;

/// <summary>
/// A read, published to the read queue with <c>reply_to</c> and <c>correlation_id</c>. Which fields matter depends on
/// <see cref="Kind"/>:
/// Get (AgentId, Key); GetAtVersion (+ Version); GetAsOf (+ CommitTs: the state as of that commit);
/// ListKeys and ScanPrefix (AgentId, Prefix, AfterKey = continue after this key, Limit);
/// ListAgents (Prefix of agent ids, AfterKey = continue after this agent, Limit; no AgentId);
/// Replay (AgentId, StartTs and EndTs inclusive, 0 = open, Limit = events per page); Replay with an empty AgentId is the
/// namespace-wide replay: every transaction of the namespace with all its operations (a worker that predates it answers
/// INVALID_REQUEST, agent_id missing). A replay page is read under one snapshot, so it is a consistent prefix of history.
/// <see cref="MinCommitTs"/> (read-your-writes): a worker whose store has applied less than this commit_ts waits for it
/// (at most its <c>Statehouse:Reads:CatchUpWaitMilliseconds</c>) and then answers, or replies
/// <see cref="ErrorCode.NotCaughtUp"/>; 0 = answer at once. Health, Version, Stats and Backup ignore it. Key 12 came
/// later: a request without it decodes with 0, and a worker that predates it ignores it (MessagePack skips trailing keys).
/// </summary>
[MessagePackObject]
public sealed record ReadRequest(
    [property: Key(0)] int SchemaVersion,
    [property: Key(1)] ReadKind Kind,
    [property: Key(2)] string Namespace,
    [property: Key(3)] string AgentId = "",
    [property: Key(4)] string Key = "",
    [property: Key(5)] long Version = 0,
    [property: Key(6)] long CommitTs = 0,
    [property: Key(7)] string Prefix = "",
    [property: Key(8)] string? AfterKey = null,
    [property: Key(9)] int Limit = 0,
    [property: Key(10)] long StartTs = 0,
    [property: Key(11)] long EndTs = 0,
    [property: Key(12)] long MinCommitTs = 0);
