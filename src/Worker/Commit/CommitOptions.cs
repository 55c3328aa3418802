using System.ComponentModel.DataAnnotations;

namespace Statehouse.Worker.Commit;

/// <summary>
/// Group commit and duplicate detection, bound from <c>Statehouse:Commit</c> (docs/configuration.md). An invalid value,
/// or a <see cref="Prefetch"/> below <see cref="MaxBatchCount"/>, stops the worker at start with one line naming its key.
/// </summary>
internal sealed class CommitOptions
{
    /// <summary>Default of <see cref="InboxRetention"/>.</summary>
    public static readonly TimeSpan DefaultInboxRetention = TimeSpan.FromDays(7);

    /// <summary>Most transactions in one synced write. 1 = one fsync per message.</summary>
    [Range(1, 10_000)]
    public int MaxBatchCount { get; set; } = 256;

    /// <summary>Most envelope bytes in one synced write (a single larger envelope still forms a batch of its own).</summary>
    [Range(1, 1L << 30)]
    public long MaxBatchBytes { get; set; } = 16L << 20;

    /// <summary>
    /// Unacknowledged deliveries the broker may push ahead (AMQP prefetch). At least MaxBatchCount. The worker lowers it
    /// until Prefetch × MaxMessageBytes (rounded up to a power of two) fits <see cref="MemoryBudgetBytes"/>.
    /// </summary>
    [Range(1, 65_535)]
    public int Prefetch { get; set; } = 512;

    /// <summary>
    /// Bytes of commit deliveries the worker may hold delivered and not yet written, whatever their sizes: the prefetch
    /// is lowered to budget ÷ MaxMessageBytes (rounded up to a power of two). Must hold at least one delivery.
    /// </summary>
    [Range(1L << 20, 1L << 40)]
    public long MemoryBudgetBytes { get; set; } = 256L << 20;

    /// <summary>
    /// How long a txn_id's reply is kept for duplicate detection, at least (an entry also stays until its transaction's
    /// deadline has passed). Also the furthest ahead an envelope's deadline may lie: an envelope without a deadline, or
    /// with one further ahead, is refused with INVALID_REQUEST, so no resend can outlive its txn_id's entry.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan InboxRetention { get; set; } = DefaultInboxRetention;
}
