using System.ComponentModel.DataAnnotations;

namespace Statehouse.Worker.Commit;

/// <summary>
/// Sizes an envelope may have, bound from <c>Statehouse:Limits</c> (docs/configuration.md); all in bytes (UTF-8 for
/// names, MessagePack for values) except <see cref="MaxOperations"/>. A transaction beyond one is refused with
/// INVALID_REQUEST or PAYLOAD_TOO_LARGE; an invalid value stops the worker at start with one line naming its key.
/// </summary>
internal sealed class LimitOptions
{
    [Range(1, 1024)]
    public int MaxNamespaceBytes { get; set; } = 128;

    [Range(1, 1024)]
    public int MaxAgentIdBytes { get; set; } = 256;

    [Range(1, 64 * 1024)]
    public int MaxKeyBytes { get; set; } = 1024;

    [Range(1, 64L << 20)]
    public int MaxValueBytes { get; set; } = 1 << 20;

    [Range(1, 100_000)]
    public int MaxOperations { get; set; } = 1000;

    [Range(1, 256)]
    public int MaxTxnIdBytes { get; set; } = 128;

    /// <summary>
    /// Largest message body accepted at all, bytes (larger ones are rejected with PAYLOAD_TOO_LARGE before decoding).
    /// Clients check the same limit before they publish. It also sets the commit prefetch (see
    /// <see cref="CommitOptions.MemoryBudgetBytes"/>): the 4 MiB default gives a prefetch of 64 within the 256 MiB budget,
    /// enough for group commit; a larger limit lowers it (16 MiB: 16, about two thirds of the small-transaction throughput).
    /// </summary>
    [Range(1024, 512L << 20)]
    public int MaxMessageBytes { get; set; } = 4 << 20;
}
