namespace Statehouse.Worker.Storage;

/// <summary>
/// Where a store stands in the replicated log (docs/replication.md), kept in the meta column family and written in the
/// same batch as the changes it accounts for. All zero (<see cref="None"/>) for a store that never took part in
/// replication.
/// </summary>
/// <param name="Epoch">The epoch of the last group record applied (0: none).</param>
/// <param name="Seq">The seq of the last group record applied (0: none).</param>
/// <param name="ResumeOffset">The stream offset to read the log from next; every valid record before it is applied.</param>
/// <param name="ResumeEpoch">The log's current epoch just before <paramref name="ResumeOffset"/> (the highest marker before it).</param>
/// <param name="ResumeSeq">The seq of the last valid group record before <paramref name="ResumeOffset"/>.</param>
internal readonly record struct ReplicationPosition(long Epoch, long Seq, long ResumeOffset, long ResumeEpoch, long ResumeSeq)
{
    /// <summary>A store that has applied nothing from a log: read it from its first record.</summary>
    public static ReplicationPosition None => default;
}
