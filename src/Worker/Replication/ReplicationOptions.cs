using System.ComponentModel.DataAnnotations;

namespace Statehouse.Worker.Replication;

/// <summary>
/// The replicated commit log (docs/replication.md), bound from <c>Statehouse:Replication</c> (docs/configuration.md).
/// Off by default: a worker then behaves as without replication. Every worker of one deployment sets
/// <see cref="Enabled"/> the same way. An invalid value stops the worker at start with one line naming its key.
/// </summary>
internal sealed class ReplicationOptions
{
    /// <summary>Publish every committed group to the log stream <c>&lt;prefix&gt;.log</c> and follow it into this worker's own store.</summary>
    public bool Enabled { get; set; }

    /// <summary>The log stream's size limit in bytes (RabbitMQ <c>x-max-length-bytes</c>); the oldest segments go first.</summary>
    [Range(1L << 20, long.MaxValue)]
    public long RetentionMaxBytes { get; set; } = 20L << 30;

    /// <summary>
    /// The log stream's age limit in RabbitMQ's <c>x-max-age</c> form: a number and one of Y, M, D, h, m, s (e.g. <c>7D</c>).
    /// A replica that falls further behind than the retention keeps must be re-seeded.
    /// </summary>
    [Required, RegularExpression(@"^\d+(Y|M|D|h|m|s)$", ErrorMessage = "{0} must be a number followed by one of Y, M, D, h, m, s (RabbitMQ x-max-age, e.g. 7D)")]
    public string RetentionMaxAge { get; set; } = "7D";

    /// <summary>Seconds a worker that became active waits to read its own epoch marker back before it gives the session up.</summary>
    [Range(1, 3600)]
    public int TakeoverTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// Seconds the primary waits for the broker's confirm of one log record (a group or a marker). A confirm that does not
    /// come (the stream's leader lost, a partitioned node) is treated as a failed publish: the record is in doubt, nothing
    /// is written, and the session is given up (docs/replication.md, "The primary, per group").
    /// </summary>
    [Range(1, 3600)]
    public int PublishTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// The largest log record the primary publishes, in bytes of the group's record values (the bulk of a record): a
    /// group whose changes are larger is committed as several consecutive groups, each with its own record, so that no
    /// record reaches the broker's <c>max_message_size</c> (128 MiB by default in RabbitMQ 3.x; a larger one is refused
    /// with 406 PRECONDITION_FAILED and the session would be given up on every retry). Forks make this matter: a
    /// 100-byte fork message can write up to <c>Limits:MaxMessageBytes</c> of values. A single transaction is never split.
    /// </summary>
    [Range(1L << 20, 512L << 20)]
    public long MaxRecordBytes { get; set; } = 64L << 20;

    /// <summary>Log records delivered to the follower before it acknowledges them (basic.qos on the log consumer).</summary>
    [Range(1, 65_535)]
    public int LogPrefetch { get; set; } = 256;
}
