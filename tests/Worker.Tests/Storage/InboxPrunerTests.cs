using Statehouse.Contracts;
using Statehouse.Worker.Storage;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Storage;

public sealed class InboxPrunerTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void PruneOnce_EntriesOlderThanRetention_AreRemovedAndNewerKept()
    {
        var old = EnvelopeWithId("old", Operation.Write("a", "k", Value(1)));
        _store.Apply(old);
        _store.Time.Advance(TimeSpan.FromDays(6));
        var recent = EnvelopeWithId("recent", Operation.Write("a", "k", Value(2)));
        _store.Apply(recent);
        _store.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));

        var pruned = new InboxPruner(_store.Store, _store.Time, TimeSpan.FromDays(7)).PruneOnce();

        Assert.Equal(1, pruned);
        Assert.True(_store.Apply(recent).Outcomes[0].Duplicate);
        // The pruned txn_id is no longer known: a retry after the retention would be applied again (documented).
        var retried = _store.Apply(old).Outcomes[0];
        Assert.False(retried.Duplicate);
        Assert.Equal(3, retried.Reply.CommitTs);
    }
}
