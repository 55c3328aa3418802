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
    public int PublishTimeoutSeconds { get; set; } = 30;

    /// <summary>Log records delivered to the follower before it acknowledges them (basic.qos on the log consumer).</summary>
    [Range(1, 65_535)]
    public int LogPrefetch { get; set; } = 256;
}
