using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Xunit.Abstractions;

namespace Statehouse.Worker.Tests.Fuzz;

public sealed class EngineFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Apply_TenThousandFuzzedMessages_CommitsExactlyTheValidOnesGaplessAndAnswersTheRest()
    {
        var fuzzer = new EnvelopeFuzzer(seed: 20261125, TempStore.Start.AddDays(1));
        var items = Enumerable.Range(0, 10_000).Select(_ => fuzzer.Next()).ToList();
        var random = new Random(7);
        var outcomes = new List<CommitOutcome>(items.Count);
        for (var start = 0; start < items.Count;)
        {
            var size = Math.Min(random.Next(1, 65), items.Count - start);
            var group = items.Skip(start).Take(size).Select(i => new CommitRequest(i.Body, i.TxnId)).ToList();
            outcomes.AddRange(_store.Engine.Apply(group).Outcomes);
            start += size;
        }

        var now = _store.Time.GetUtcNow();
        var expectedCommits = new List<CommitEnvelope>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        int committed = 0, rejected = 0, deadLettered = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var valid = EnvelopeFuzzer.Oracle(items[i].Body, now, out var envelope) && !taken.Contains(envelope!.TxnId);
            if (EnvelopeFuzzer.UsableTxnId(envelope) is { } txnId)
            {
                taken.Add(txnId);
            }

            var outcome = outcomes[i];
            Assert.True(valid == (outcome.Reply.Status == CommitStatus.Committed && !outcome.Duplicate),
                $"item {i} ({items[i].Kind}): oracle says valid={valid}, worker said {outcome.Reply.Status} {outcome.Reply.ErrorCode} {outcome.Reply.ErrorMessage}");
            if (valid)
            {
                expectedCommits.Add(envelope!);
                committed++;
            }
            else if (!outcome.Duplicate)
            {
                rejected++;
                Assert.NotEqual(ErrorCode.None, outcome.Reply.ErrorCode);
                deadLettered += outcome.DeadLetter ? 1 : 0;
            }
        }

        Assert.Equal(Enumerable.Range(1, committed).Select(i => (long)i),
            outcomes.Where(o => o.Reply.Status == CommitStatus.Committed && !o.Duplicate).Select(o => o.Reply.CommitTs));
        Assert.Equal(committed, _store.Store.LastCommitTs);
        // Bit flips can turn one transaction's key into another's, so compare with the state the commits add up to.
        var expectedState = new Dictionary<(string Ns, string Agent, string Key), byte[]?>();
        foreach (var envelope in expectedCommits)
        {
            foreach (var op in envelope.Operations.Where(o => o.Kind != OperationKind.ExpectVersion))
            {
                expectedState[(envelope.Namespace, op.AgentId, op.Key)] = op.Kind == OperationKind.Write ? op.Value : null;
            }
        }

        foreach (var ((ns, agent, key), value) in expectedState)
        {
            Assert.Equal(value, _store.Get(agent, key, ns).Value);
        }

        var kinds = string.Join(", ", items.GroupBy(i => i.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}"));
        output.WriteLine($"fuzzed={items.Count} committed={committed} rejected={rejected} dead_lettered={deadLettered} ({kinds})");
    }
}
