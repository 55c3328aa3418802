using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Commit;

/// <summary>
/// Exactly-once must not depend on how long the inbox keeps txn_ids: a resend after the retention (1 minute here, the
/// smallest allowed) is never applied a second time. Each test lets the retention and two prune passes (every 10 s at
/// this retention) pass on the real clock before resending over raw AMQP. Mostly waiting: in the clock collection,
/// beside the other broker tests.
/// </summary>
[Collection(IntegrationTest.ClockCollectionName)]
public sealed class InboxRetentionTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    private static readonly TimeSpan s_retention = TimeSpan.FromMinutes(1);

    /// <summary>The retention plus two prune intervals (a tenth of the retention, at least 10 s) and a margin.</summary>
    private static readonly TimeSpan s_pastRetention = s_retention + TimeSpan.FromSeconds(25);

    private static readonly (string, string) s_shortRetention = ("Statehouse:Commit:InboxRetention", "00:01:00");

    [Fact]
    public async Task Commit_DeadlineMissingOrBeyondRetention_RefusedAlsoWhenResentAfterRetention()
    {
        await Scope.StartWorkerAsync(s_shortRetention);
        var raw = await Scope.CreateRawClientAsync();
        var withoutDeadline = Envelopes.Write("no-deadline", ("agent", "k-none", "v")) with { DeadlineUnixMs = 0 };
        var farDeadline = Envelopes.Write("far-deadline", ("agent", "k-far", "v")) with { DeadlineUnixMs = Envelopes.Deadline(TimeSpan.FromMinutes(10)) };

        var first = await SendAsync(raw, withoutDeadline, farDeadline);
        await Task.Delay(s_pastRetention, Ct);
        var resent = await SendAsync(raw, withoutDeadline, farDeadline);

        // The kind's right outcome first: neither transaction took effect twice (nor, being refused, once).
        Assert.Equal(0, (await raw.GetAsync(Scope.Names, "default", "agent", "k-none")).Version);
        Assert.Equal(0, (await raw.GetAsync(Scope.Names, "default", "agent", "k-far")).Version);
        Assert.Equal(0, (await raw.HealthAsync(Scope.Names)).LastCommitTs);
        foreach (var reply in first.Concat(resent))
        {
            Assert.Equal((CommitStatus.Rejected, ErrorCode.InvalidRequest), (reply.Status, reply.ErrorCode));
            Assert.Contains("Statehouse:Commit:InboxRetention", reply.ErrorMessage, StringComparison.Ordinal);
            Assert.Contains("00:01:00", reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Contains("no deadline", first[0].ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("ahead", first[1].ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_ResentAfterRetentionShortenedBeforeDeadline_ReturnsFirstCommitTs()
    {
        // Applied under a 10-minute retention with a 5-minute deadline; the worker then restarts with a 1-minute one.
        await Scope.StartWorkerAsync(("Statehouse:Commit:InboxRetention", "00:10:00"));
        var raw = await Scope.CreateRawClientAsync();
        var envelope = Envelopes.Write("shortened", ("agent", "k", "v")) with { DeadlineUnixMs = Envelopes.Deadline(TimeSpan.FromMinutes(5)) };
        var first = (await SendAsync(raw, envelope))[0];
        Assert.Equal((CommitStatus.Committed, 1L), (first.Status, first.CommitTs));

        await Scope.KillAndRestartWorkerAsync(s_shortRetention);
        await Task.Delay(s_pastRetention, Ct);
        var resent = (await SendAsync(raw, envelope))[0];

        Assert.Equal(1, (await raw.GetAsync(Scope.Names, "default", "agent", "k")).Version);
        Assert.Equal(1, (await raw.HealthAsync(Scope.Names)).LastCommitTs);
        Assert.Equivalent(first, resent, strict: true);
    }

    private async Task<List<CommitReply>> SendAsync(RawAmqpClient raw, params CommitEnvelope[] envelopes)
    {
        var replies = new List<CommitReply>();
        foreach (var envelope in envelopes)
        {
            await raw.PublishCommitAsync(Scope.Names, envelope);
            var reply = await raw.NextCommitReplyAsync(envelope.TxnId, Patience);
            Output.WriteLine($"{envelope.TxnId} (deadline_unix_ms {envelope.DeadlineUnixMs}): {reply.Status} commit_ts {reply.CommitTs} {reply.ErrorCode.ToWireName()} {reply.ErrorMessage}");
            replies.Add(reply);
        }

        return replies;
    }
}
