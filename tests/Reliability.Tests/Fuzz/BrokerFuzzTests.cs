using System.Diagnostics;
using System.Globalization;
using Statehouse.Contracts;
using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Fuzz;

/// <summary>
/// The engine-level fuzz test again, end to end: the same seeded generator's messages go through the real broker to
/// the real worker process, each with reply_to, and the outcome is judged by the generator's own oracle.
/// </summary>
public sealed class BrokerFuzzTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private const int Messages = 10_000;
    private const int PublishBatch = 500;
    private const string CorrelationPrefix = "fz-";

    [Fact]
    public async Task Commit_TenThousandFuzzedMessagesThroughBroker_CommitsExactlyTheValidOnesAndAnswersEveryOne()
    {
        var worker = await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var fuzzer = new EnvelopeFuzzer(seed: 20261201, DateTimeOffset.UtcNow.AddHours(1));
        var items = Enumerable.Range(0, Messages).Select(_ => fuzzer.Next()).ToList();

        var clock = Stopwatch.StartNew();
        for (var start = 0; start < items.Count; start += PublishBatch)
        {
            // Confirms awaited per batch, not per message: the broker confirms a batch about as fast as one message.
            await Task.WhenAll(Enumerable.Range(start, Math.Min(PublishBatch, items.Count - start))
                .Select(i => raw.PublishCommitAsync(Scope.Names, items[i].Body, CorrelationId(i))));
        }

        var published = clock.Elapsed;
        var replies = new CommitReply[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var left = Recovery - clock.Elapsed;
            Assert.True(left > TimeSpan.Zero && !worker.HasExited,
                $"{i} of {items.Count} replies within {clock.Elapsed.TotalSeconds:F0} s; worker exited: {worker.HasExited}");
            replies[i] = await raw.NextCommitReplyAsync(CorrelationId(i), left);
        }

        var answered = clock.Elapsed;
        var dead = await DrainDeadLettersAsync(raw);
        var verdict = Judge(items, replies, dead);

        var client = await Scope.ConnectClientAsync();
        var health = await client.HealthAsync(LongCt);
        var log = await CommitLog.ReadAsync(client, verdict.Committed.SelectMany(c => c.Envelope.Operations.Select(o => (c.Envelope.Namespace, o.AgentId))), LongCt);
        var stateFailures = CheckLog(verdict, log);

        var kinds = string.Join(", ", items.GroupBy(i => i.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}"));
        Output.WriteLine($"fuzzed={items.Count} valid={verdict.Valid} committed={verdict.Committed.Count} rejected={verdict.Rejected} " +
            $"duplicates={verdict.Duplicates} dead_lettered={dead.Count} replies={replies.Length} ({kinds})");
        Output.WriteLine($"published in {published.TotalSeconds:F1} s, all answered after {answered.TotalSeconds:F1} s; last commit_ts {health.LastCommitTs}");

        Assert.False(worker.HasExited, "the worker died:\n" + worker.Log);
        Assert.True(health.Healthy, $"{health.Status}: {health.Detail}");
        Assert.True(verdict.Failures.Count == 0, string.Join('\n', verdict.Failures.Take(20)));
        Assert.Equal(verdict.Valid, verdict.Committed.Count);
        Assert.Equal(verdict.Valid, health.LastCommitTs);
        Assert.True(stateFailures.Count == 0, string.Join('\n', stateFailures.Take(20)));
    }

    private static string CorrelationId(int index) => CorrelationPrefix + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Every message the worker dead-lettered, by item index. They are all in the queue by now: the worker publishes a
    /// group's dead-letter copies (confirmed) before its replies.
    /// </summary>
    private async Task<Dictionary<int, ReceivedMessage>> DrainDeadLettersAsync(RawAmqpClient raw)
    {
        var count = await raw.MessageCountAsync(Scope.Names.DeadLetterQueue);
        var dead = new Dictionary<int, ReceivedMessage>();
        for (var i = 0; i < count; i++)
        {
            var message = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue, Patience);
            var index = int.Parse(message.MessageId![CorrelationPrefix.Length..], CultureInfo.InvariantCulture);
            Assert.True(dead.TryAdd(index, message), $"item {index} dead-lettered twice");
        }

        return dead;
    }

    /// <summary>
    /// Classifies each reply against the oracle: a valid message whose txn_id no earlier message took must commit at a new
    /// commit_ts; anything else must be refused with an error code, or be answered as a duplicate of the earlier
    /// transaction with its txn_id. A dead-lettered message must be invalid, refused, and carry the reason.
    /// </summary>
    private static Verdict Judge(List<EnvelopeFuzzer.Item> items, CommitReply[] replies, Dictionary<int, ReceivedMessage> dead)
    {
        var verdict = new Verdict();
        var now = DateTimeOffset.UtcNow;
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var owners = new Dictionary<long, string>();
        for (var i = 0; i < items.Count; i++)
        {
            var valid = EnvelopeFuzzer.Oracle(items[i].Body, now, out var envelope) && !taken.Contains(envelope!.TxnId);
            if (EnvelopeFuzzer.UsableTxnId(envelope) is { } txnId)
            {
                taken.Add(txnId);
            }

            var reply = replies[i];
            var what = $"item {i} ({items[i].Kind}, oracle valid={valid})";
            verdict.Valid += valid ? 1 : 0;
            if (reply.Status == CommitStatus.Committed && owners.TryAdd(reply.CommitTs, reply.TxnId))
            {
                if (!valid || reply.TxnId != envelope!.TxnId)
                {
                    verdict.Failures.Add($"{what}: committed as txn {reply.TxnId} at commit_ts {reply.CommitTs}");
                    continue;
                }

                verdict.Committed.Add((envelope, reply.CommitTs));
            }
            else if (reply.Status == CommitStatus.Committed)
            {
                verdict.Duplicates++;
                if (valid || owners[reply.CommitTs] != reply.TxnId)
                {
                    verdict.Failures.Add($"{what}: answered with commit_ts {reply.CommitTs} of txn {owners[reply.CommitTs]} as txn {reply.TxnId}");
                }
            }
            else
            {
                verdict.Rejected++;
                if (valid || reply.ErrorCode == ErrorCode.None)
                {
                    verdict.Failures.Add($"{what}: rejected {reply.ErrorCode.ToWireName()} {reply.ErrorMessage}");
                }
            }

            if (dead.TryGetValue(i, out var copy) && (valid || reply.Status != CommitStatus.Rejected || copy.HeaderString(MessageHeaders.Error) is null))
            {
                verdict.Failures.Add($"{what}: dead-lettered ({copy.HeaderString(MessageHeaders.Error)}) but answered {reply.Status} {reply.ErrorCode.ToWireName()}");
            }
        }

        var gaps = Enumerable.Range(1, owners.Count).Where(ts => !owners.ContainsKey(ts)).ToList();
        if (gaps.Count > 0)
        {
            verdict.Failures.Add($"commit_ts in replies not gapless 1..{owners.Count}: missing {string.Join(", ", gaps.Take(10))}");
        }

        return verdict;
    }

    /// <summary>The replayed log holds exactly the committed transactions, each once at its commit_ts, with their values.</summary>
    private static List<string> CheckLog(Verdict verdict, CommitLog log)
    {
        var failures = log.Violations(verdict.Committed.Count);
        foreach (var (envelope, commitTs) in verdict.Committed)
        {
            if (log.CommitTsOf(envelope.TxnId) is not [var applied] || applied != commitTs)
            {
                failures.Add($"txn {envelope.TxnId} replied commit_ts {commitTs}, log has [{string.Join(", ", log.CommitTsOf(envelope.TxnId))}]");
                continue;
            }

            // Several writes of one record in a transaction: the last one is stored.
            var final = envelope.Operations.Where(o => o.Kind == OperationKind.Write).GroupBy(o => (o.AgentId, o.Key)).Select(g => g.Last());
            foreach (var write in final)
            {
                var stored = log.EventOf(envelope.TxnId, write.AgentId)?.Operations.FirstOrDefault(o => o.Key == write.Key);
                if (stored?.Value is not { } value || !value.Span.SequenceEqual(write.Value))
                {
                    failures.Add($"txn {envelope.TxnId}: '{write.AgentId}'/'{write.Key}' replayed as {stored?.ToString() ?? "missing"} with other bytes");
                }
            }
        }

        return failures;
    }

    private sealed class Verdict
    {
        public int Valid { get; set; }

        public int Rejected { get; set; }

        public int Duplicates { get; set; }

        public List<(CommitEnvelope Envelope, long CommitTs)> Committed { get; } = [];

        public List<string> Failures { get; } = [];
    }
}
