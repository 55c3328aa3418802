using System.Globalization;
using MessagePack;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Commit;

/// <summary>
/// The worker's memory is bounded by bytes, not by message count: a backlog of large transactions queued while the
/// worker was down is applied without the worker ever holding more than its memory budget of deliveries.
/// </summary>
public sealed class MemoryBudgetTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    private const long Budget = 64L << 20;

    /// <summary>
    /// What the worker holds besides the deliveries the budget covers (docs/guarantees.md): the runtime, its code and
    /// threads (an idle worker peaks near 110 MB); RocksDB's block cache and memtables (32 MiB each by default, memtables
    /// being flushed on top); the group being written (its bodies, the decoded values and one WriteBatch holding each value
    /// twice: about 4 × 16 MiB); and the garbage collector's headroom over what is live.
    /// </summary>
    private const long Baseline = 320L << 20;

    private const int Messages = 40;
    private const int ValuesPerMessage = 8;
    private const int ValueBytes = (1 << 20) - 64;

    [Fact]
    public async Task Commit_BacklogOfLargeTransactions_PeakRssStaysUnderBudgetPlusBaseline()
    {
        // 40 × 8 MiB queued while no worker runs, then one worker start: 320 MiB of backlog against a 64 MiB budget.
        var settings = new[]
        {
            ("Statehouse:Commit:MemoryBudgetBytes", Budget.ToString(CultureInfo.InvariantCulture)),
            ("Statehouse:Limits:MaxMessageBytes", (9 << 20).ToString(CultureInfo.InvariantCulture)),
        };
        await Scope.StartWorkerAsync(settings);
        await Scope.Worker.StopAsync();

        var raw = await Scope.CreateRawClientAsync();
        var value = MessagePackSerializer.Serialize(new byte[ValueBytes]);
        var txnIds = new List<string>();
        for (var i = 0; i < Messages; i++)
        {
            var envelope = new CommitEnvelope(WireFormat.SchemaVersion, Envelopes.NewTxnId($"big{i:D2}"), "default",
                Enumerable.Range(0, ValuesPerMessage).Select(v => Operation.Write($"agent{i:D2}", $"k{v}", value)).ToList(), Envelopes.Deadline(TimeSpan.FromHours(1)));
            await raw.PublishCommitAsync(Scope.Names, envelope);
            txnIds.Add(envelope.TxnId);
        }

        Assert.Equal((uint)Messages, await raw.MessageCountAsync(Scope.Names.CommitQueue));
        var worker = await Scope.StartWorkerAsync(settings);
        var replies = new List<CommitReply>();
        foreach (var txnId in txnIds)
        {
            replies.Add(await raw.NextCommitReplyAsync(txnId, TimeSpan.FromSeconds(120)));
        }

        var peak = PeakRssBytes(worker.Pid);
        Output.WriteLine($"worker peak RSS (VmHWM): {peak >> 20} MiB; budget {Budget >> 20} MiB + baseline {Baseline >> 20} MiB");
        Assert.All(replies, r => Assert.Equal(CommitStatus.Committed, r.Status));
        Assert.Equal(Enumerable.Range(1, Messages).Select(i => (long)i), replies.Select(r => r.CommitTs).Order());
        Assert.True(peak <= Budget + Baseline,
            $"The worker's peak RSS was {peak >> 20} MiB, more than the budget ({Budget >> 20} MiB) plus the baseline ({Baseline >> 20} MiB).");
    }

    /// <summary>VmHWM of <c>/proc/&lt;pid&gt;/status</c>: the process's peak resident set, in bytes.</summary>
    private static long PeakRssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kib = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kib * 1024;
    }
}
