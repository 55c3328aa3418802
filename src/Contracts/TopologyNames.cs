namespace Statehouse.Contracts;

/// <summary>
/// Every queue and exchange name, derived from one prefix (default <c>statehouse</c>) so that several
/// deployments, or tests, can share a broker without seeing each other's messages.
/// </summary>
public sealed record TopologyNames(string Prefix = TopologyNames.DefaultPrefix)
{
    public const string DefaultPrefix = "statehouse";

    /// <summary>Durable quorum queue with single-active-consumer: whole transactions to commit.</summary>
    public string CommitQueue => Prefix + ".commit";

    /// <summary>Queue of read requests, served concurrently from storage snapshots.</summary>
    public string ReadQueue => Prefix + ".read";

    /// <summary>Exchange that receives messages that can never be applied.</summary>
    public string DeadLetterExchange => Prefix + ".dead-letter";

    /// <summary>Durable queue bound to <see cref="DeadLetterExchange"/>.</summary>
    public string DeadLetterQueue => Prefix + ".commit.dead";

    /// <summary>Fanout exchange on which committed transactions are announced to followers.</summary>
    public string CommitsExchange => Prefix + ".commits";

    /// <summary>
    /// Durable stream (<c>x-queue-type=stream</c>) whose first message, a <see cref="DeploymentClaim"/>, names the one
    /// store that holds this deployment's history. Workers with another store refuse to serve the prefix.
    /// </summary>
    public string DeploymentStream => Prefix + ".deployment";

    /// <summary>
    /// Durable stream (<c>x-queue-type=stream</c>) of the replicated commit log, declared only by workers with
    /// <c>Statehouse:Replication:Enabled</c>: one record per committed group and the epoch markers of failovers
    /// (docs/replication.md).
    /// </summary>
    public string LogStream => Prefix + ".log";
}
