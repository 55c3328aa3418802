using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Reads;

/// <summary>A read whose answer is huge must not take the worker's broker session, and with it all commits, down.</summary>
public sealed class LargeReadTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    private const int ValueBytes = 1_040_000;
    private const int Records = 135;

    [Fact]
    public async Task ScanPrefix_PageLargerThanBrokerMessageLimit_WorkerKeepsCommitting()
    {
        // Default limits: values up to 1 MiB, pages up to 1000 records. 135 values of ~1 MB make a scan page larger
        // than RabbitMQ's largest message (128 MiB), so that reply cannot be published as one message.
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        await LoadLargeValuesAsync(raw);

        var scan = new ReadRequest(WireFormat.SchemaVersion, ReadKind.ScanPrefix, "default", "big", Prefix: "v", Limit: 1000);
        var scanReply = raw.ReadAsync(Scope.Names, scan, TimeSpan.FromSeconds(20));
        var after = Envelopes.Write("after-big-scan", ("agent", "k", "v"));
        await raw.PublishCommitAsync(Scope.Names, after);
        var afterReply = await raw.NextCommitReplyAsync(after.TxnId, TimeSpan.FromSeconds(30));

        Assert.Equal(CommitStatus.Committed, afterReply.Status);
        var reply = await scanReply;
        Output.WriteLine($"scan: {reply.ErrorCode.ToWireName()} {reply.Records?.Count} records, next key {reply.NextKey}");
        if (reply.ErrorCode == ErrorCode.None)
        {
            // A page that fits the limit, with a next key to continue from.
            Assert.InRange(reply.Records!.Count, 1, Records - 1);
            Assert.NotNull(reply.NextKey);
        }

        Assert.DoesNotContain("Lost the broker session", Scope.Worker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanPrefixAsync_LargeValuesWithDefaultPaging_ReturnsEveryRecord()
    {
        // The worker's default page (100 records) of ~1 MB values is a ~100 MB reply: below the broker's limit, but
        // above the 64 MiB an AMQP client accepts by default.
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        await LoadLargeValuesAsync(raw);
        var client = await Scope.ConnectClientAsync(o =>
        {
            o.ReadTimeout = TimeSpan.FromSeconds(15);
            o.MaxReadAttempts = 1;
        });

        var keys = new List<string>();
        await foreach (var entry in client.ScanPrefixAsync<byte[]>("big", "v", ct: Ct))
        {
            Assert.Equal(ValueBytes - 5, entry.State.Value!.Length);
            keys.Add(entry.Key);
        }

        Assert.Equal(Enumerable.Range(0, Records).Select(i => $"v{i:D3}"), keys);
    }

    /// <summary>
    /// Writes <see cref="Records"/> values of ~1 MB (MessagePack bin32 of zeros), 3 per transaction (under the default
    /// 4 MiB message limit).
    /// </summary>
    private async Task LoadLargeValuesAsync(RawAmqpClient raw)
    {
        var value = new byte[ValueBytes];
        value[0] = 0xC6;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(value.AsSpan(1), ValueBytes - 5);
        for (var batch = 0; batch < Records / 3; batch++)
        {
            var operations = Enumerable.Range(batch * 3, 3).Select(i => Operation.Write("big", $"v{i:D3}", value)).ToList();
            var envelope = new CommitEnvelope(WireFormat.SchemaVersion, Envelopes.NewTxnId("big"), "default", operations, Envelopes.Deadline());
            await raw.PublishCommitAsync(Scope.Names, envelope);
            Assert.Equal(CommitStatus.Committed, (await raw.NextCommitReplyAsync(envelope.TxnId, TimeSpan.FromSeconds(60))).Status);
        }
    }
}
