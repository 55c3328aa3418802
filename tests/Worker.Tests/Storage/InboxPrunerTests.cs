using System.Threading.Channels;
using Microsoft.Extensions.Logging.Testing;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
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
        var recent = EnvelopeWithId("recent", Operation.Write("a", "k", Value(2))) with { DeadlineUnixMs = DeadlineIn(TimeSpan.FromHours(1)) };
        _store.Apply(recent);
        _store.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));

        var pruned = new InboxPruner(_store.Store, _store.Time, TimeSpan.FromDays(7)).PruneOnce();

        Assert.Equal(1, pruned);
        Assert.True(_store.Apply(recent).Outcomes[0].Duplicate);
        // The pruned txn_id's deadline has passed: a resend is refused as expired, never applied a second time.
        var retried = _store.Apply(old).Outcomes[0];
        Assert.False(retried.Duplicate);
        Assert.Equal((CommitStatus.Rejected, ErrorCode.TxnExpired), (retried.Reply.Status, retried.Reply.ErrorCode));
        Assert.Equal(2, _store.Store.LastCommitTs);
    }

    [Fact]
    public void PruneOnce_DeadlineLaterThanRetention_KeepsEntryUntilDeadlinePassed()
    {
        // Applied under a 7-day retention with a 5-day deadline; the operator then shortens the retention to 1 hour.
        var envelope = EnvelopeWithId("long-deadline", Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = DeadlineIn(TimeSpan.FromDays(5)) };
        var first = _store.Apply(envelope).Outcomes[0].Reply;
        var shortened = new InboxPruner(_store.Store, _store.Time, TimeSpan.FromHours(1));
        _store.Time.Advance(TimeSpan.FromDays(4));

        Assert.Equal(0, shortened.PruneOnce());
        var resent = _store.Apply(envelope).Outcomes[0];
        Assert.True(resent.Duplicate);
        Assert.Equal(first.CommitTs, resent.Reply.CommitTs);

        _store.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, shortened.PruneOnce());
        Assert.Equal(ErrorCode.TxnExpired, _store.Apply(envelope).Outcomes[0].Reply.ErrorCode);
        Assert.Equal(1, _store.Store.LastCommitTs);
    }

    [Fact]
    public void PruneOnce_RefusedForAFarDeadline_PrunedAfterTheRetention()
    {
        // Refused (beyond the 7-day retention): its entry must not stay until the year 9999.
        var envelope = EnvelopeWithId("far-deadline", Operation.Write("a", "k", Value(1))) with
        {
            DeadlineUnixMs = new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
        };
        Assert.Equal(ErrorCode.InvalidRequest, _store.Apply(envelope).Outcomes[0].Reply.ErrorCode);
        var pruner = new InboxPruner(_store.Store, _store.Time, CommitOptions.DefaultInboxRetention);

        _store.Time.Advance(CommitOptions.DefaultInboxRetention + TimeSpan.FromMilliseconds(1));

        Assert.Equal(1, pruner.PruneOnce());
    }

    [Fact]
    public async Task RunAsync_EntriesExpiringLater_PrunesAtStartAndAgainOnTheTimerUntilStopped()
    {
        var lines = Channel.CreateUnbounded<string>();
        var logger = new FakeLogger(line => lines.Writer.TryWrite(line), "pruner");
        _store.Apply(EnvelopeWithId("first", Operation.Write("a", "k", Value(1))) with { DeadlineUnixMs = DeadlineIn(TimeSpan.FromHours(1)) });
        _store.Time.Advance(TimeSpan.FromDays(2));
        _store.Apply(EnvelopeWithId("second", Operation.Write("a", "k", Value(2))) with { DeadlineUnixMs = DeadlineIn(TimeSpan.FromHours(1)) });
        _store.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        using var stopping = new CancellationTokenSource();

        // A 2-day retention: passes every tenth of it (4.8 h), the first one at once.
        var run = new InboxPruner(_store.Store, _store.Time, TimeSpan.FromDays(2)).RunAsync(logger, stopping.Token);
        var atStart = await NextLineAsync(lines);
        _store.Time.Advance(TimeSpan.FromDays(2));
        var onTimer = await NextLineAsync(lines);
        await stopping.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("Pruned 1 inbox entries older than 2.00:00:00", atStart, StringComparison.Ordinal);
        Assert.Contains("Pruned 1 inbox entries older than 2.00:00:00", onTimer, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.TxnExpired, _store.Apply(EnvelopeWithId("second", Operation.Write("a", "k", Value(2)))).Outcomes[0].Reply.ErrorCode);
    }

    [Fact]
    public void Deserialize_EntryWrittenWithoutDeadline_ReadsDeadlineAsZero()
    {
        // An entry as written before the deadline was kept: a three-element array.
        var legacy = StorageFormat.Serialize(new object?[] { 1_767_225_600_000L, new byte[] { 0xC0 }, "default" });

        var entry = StorageFormat.Deserialize<InboxEntry>(legacy);

        Assert.Equal((1_767_225_600_000L, "default", 0L), (entry.StoredAtUnixMs, entry.Namespace, entry.DeadlineUnixMs));
    }

    private static async Task<string> NextLineAsync(Channel<string> lines) =>
        await lines.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    private long DeadlineIn(TimeSpan span) => _store.Time.GetUtcNow().Add(span).ToUnixTimeMilliseconds();
}
