using Statehouse.Worker.Hosting;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Commit;

/// <summary>Applies groups of commit envelopes as one synced WriteBatch (STUB: being implemented).</summary>
internal sealed class CommitEngine(StateStore store, LimitOptions limits, TimeProvider time)
{
    /// <summary>
    /// Decodes, validates, dedupes and applies the requests in order as ONE synced write.
    /// Returns one outcome per request, in order. Throws <see cref="StorageWriteException"/> when the write
    /// fails; then nothing of the group is stored and nothing may be acked.
    /// </summary>
    public CommitGroupResult Apply(IReadOnlyList<CommitRequest> requests) =>
        throw new NotImplementedException($"{store}{limits}{time}{requests.Count}");
}
