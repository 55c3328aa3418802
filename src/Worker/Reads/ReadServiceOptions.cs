using System.ComponentModel.DataAnnotations;

namespace Statehouse.Worker.Reads;

/// <summary>
/// How read requests are served, bound from <c>Statehouse:Reads</c> (docs/configuration.md). An invalid value, or a
/// <see cref="DefaultPageSize"/> above <see cref="MaxPageSize"/>, stops the worker at start with one line naming its key.
/// </summary>
internal sealed class ReadServiceOptions
{
    /// <summary>Read requests served at once.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    /// <summary>Page size (records) when a request asks for none.</summary>
    [Range(1, 10_000)]
    public int DefaultPageSize { get; set; } = 100;

    /// <summary>Largest page (records) a request may ask for.</summary>
    [Range(1, 100_000)]
    public int MaxPageSize { get; set; } = 1000;

    /// <summary>
    /// Value bytes after which a scan or replay page ends early (it still holds at least one record), so a reply stays
    /// far below the broker's message size limit (16 MiB by default on RabbitMQ 4) and the client's.
    /// </summary>
    [Range(1024, 256L << 20)]
    public int MaxPageBytes { get; set; } = 8 << 20;

    /// <summary>
    /// Milliseconds a read whose <c>min_commit_ts</c> is beyond the store's last commit_ts waits for the store to get
    /// there (woken by the store's writes, no polling) before it is answered NOT_CAUGHT_UP; 0 = answer at once. A waiting
    /// read holds one of the <see cref="Concurrency"/> slots, without blocking a thread.
    /// </summary>
    [Range(0, 60_000)]
    public int CatchUpWaitMilliseconds { get; set; } = 5000;
}
