using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Commit;

/// <summary>
/// Bad input never crashes the worker: an error reply when there is a reply_to, the message dead-lettered with the
/// reason in <see cref="MessageHeaders.Error"/>, nothing written, and the worker keeps committing.
/// </summary>
public sealed class BadEnvelopeTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task Commit_GarbageBytes_RepliesInvalidRequestDeadLettersAndWritesNothing()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        byte[] garbage = [0xC1, 0xFF, 0x00, 0x13, 0x37, (byte)'n', (byte)'o', (byte)'t', 0x90];
        var correlationId = Envelopes.NewTxnId("garbage");

        await raw.PublishCommitAsync(Scope.Names, garbage, correlationId);
        var reply = await raw.NextCommitReplyAsync(correlationId);
        var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue);

        Assert.Equal(CommitStatus.Rejected, reply.Status);
        Assert.Equal(ErrorCode.InvalidRequest, reply.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(reply.ErrorMessage));
        Assert.Equal(garbage, dead.Body);
        Assert.Equal(correlationId, dead.MessageId);
        Assert.False(string.IsNullOrWhiteSpace(dead.HeaderString(MessageHeaders.Error)), "dead-lettered message lacks " + MessageHeaders.Error);
        await AssertNothingWrittenAndStillCommitsAsync(raw);
    }

    [Fact]
    public async Task Commit_GarbageWithMessageTtl_DeadLetterCopyOutlivesTheTtl()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var correlationId = Envelopes.NewTxnId("ttl");

        await raw.PublishCommitAsync(Scope.Names, new byte[] { 0xc1, 0xc1 }, correlationId, expirationMs: "1000");
        await raw.NextCommitReplyAsync(correlationId);
        // The sender's TTL has passed for anything that kept it; the dead letter must still be there.
        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);

        Assert.Equal(1u, await raw.MessageCountAsync(Scope.Names.DeadLetterQueue));
        var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue);
        Assert.Equal(correlationId, dead.MessageId);
    }

    [Fact]
    public async Task Commit_UnknownSchemaVersion_RepliesInvalidRequestDeadLettersAndWritesNothing()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var envelope = Envelopes.Write("schema-99", ("agent", "k", "v")) with { SchemaVersion = 99 };

        await raw.PublishCommitAsync(Scope.Names, envelope);
        var reply = await raw.NextCommitReplyAsync(envelope.TxnId);
        var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue);

        Assert.Equal(CommitStatus.Rejected, reply.Status);
        Assert.Equal(ErrorCode.InvalidRequest, reply.ErrorCode);
        Assert.Equal(envelope.TxnId, reply.TxnId);
        Assert.Equal(envelope.TxnId, dead.MessageId);
        Assert.Contains("99", dead.HeaderString(MessageHeaders.Error) ?? "", StringComparison.Ordinal);
        Assert.False((await raw.GetAsync(Scope.Names, "default", "agent", "k")).Exists);
        await AssertNothingWrittenAndStillCommitsAsync(raw);
    }

    [Fact]
    public async Task Commit_DeadlinePassed_RepliesTxnExpiredAlsoToResendAndWritesNothing()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var envelope = Envelopes.Write("expired", ("agent", "k", "v")) with
        {
            DeadlineUnixMs = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(),
        };

        await raw.PublishCommitAsync(Scope.Names, envelope);
        var reply = await raw.NextCommitReplyAsync(envelope.TxnId);
        var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue);
        await raw.PublishCommitAsync(Scope.Names, envelope);
        var resent = await raw.NextCommitReplyAsync(envelope.TxnId);

        Assert.Equal((CommitStatus.Rejected, ErrorCode.TxnExpired), (reply.Status, reply.ErrorCode));
        Assert.Equal(envelope.TxnId, dead.MessageId);
        Assert.Equal(ErrorCode.TxnExpired.ToWireName(), dead.HeaderString(MessageHeaders.ErrorCode));
        Assert.Equivalent(reply, resent, strict: true);
        await AssertNothingWrittenAndStillCommitsAsync(raw);
    }

    [Fact]
    public async Task Commit_GarbageWithoutReplyTo_DeadLettersAndKeepsRunning()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var correlationId = Envelopes.NewTxnId("no-reply-to");

        await raw.PublishCommitAsync(Scope.Names, "not msgpack at all"u8.ToArray(), correlationId, replyTo: false);
        var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue);

        Assert.Equal(correlationId, dead.MessageId);
        Assert.NotNull(dead.HeaderString(MessageHeaders.Error));
        await AssertNothingWrittenAndStillCommitsAsync(raw);
    }

    /// <summary>
    /// Bodies that decode as MessagePack but are not valid envelopes: decoding fills missing fields with null and
    /// accepts unknown enum values (see Contracts.Tests), so only the worker's validation stands between them and
    /// storage. Each body gets the message's own id as txn_id, so no case answers as a duplicate of another.
    /// </summary>
    private static readonly (string Name, Func<string, byte[]> Body)[] s_invalidEnvelopes =
    [
        ("empty body", _ => []),
        ("nil", _ => [0xC0]),
        ("array of one field", _ => [0x91, 0x01]),
        ("null operations", id => Envelope(id, null!)),
        ("null operation", id => Envelope(id, [null!])),
        ("unknown operation kind", id => Envelope(id, [new Operation((OperationKind)9, "agent", "k", [0xC0])])),
        ("write without value", id => Envelope(id, [new Operation(OperationKind.Write, "agent", "k")])),
        ("write with empty value bytes", id => Envelope(id, [Operation.Write("agent", "k", [])])),
        ("null txn id", _ => WireFormat.Serialize(new CommitEnvelope(WireFormat.SchemaVersion, null!, "default", [Operation.Write("agent", "k", [0xC0])]))),
        ("empty txn id", _ => WireFormat.Serialize(new CommitEnvelope(WireFormat.SchemaVersion, "", "default", [Operation.Write("agent", "k", [0xC0])]))),
        ("null namespace", id => WireFormat.Serialize(new CommitEnvelope(WireFormat.SchemaVersion, id, null!, [Operation.Write("agent", "k", [0xC0])]))),
        ("empty key", id => Envelope(id, [Operation.Write("agent", "", [0xC0])])),
        ("null key", id => Envelope(id, [Operation.Write("agent", null!, [0xC0])])),
        ("empty agent", id => Envelope(id, [Operation.Write("", "k", [0xC0])])),
        ("null agent", id => Envelope(id, [Operation.Write(null!, "k", [0xC0])])),
        ("negative expected version", id => Envelope(id, [Operation.Expect("agent", "k", -1), Operation.Write("agent", "k", [0xC0])])),
    ];

    [Fact]
    public async Task Commit_EachInvalidEnvelope_RejectedDeadLetteredAndNothingWritten()
    {
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var failures = new List<string>();

        foreach (var (name, body) in s_invalidEnvelopes)
        {
            var correlationId = Envelopes.NewTxnId("invalid");
            await raw.PublishCommitAsync(Scope.Names, body(correlationId), correlationId);
            try
            {
                var reply = await raw.NextCommitReplyAsync(correlationId, TimeSpan.FromSeconds(10));
                if (reply.Status != CommitStatus.Rejected || reply.ErrorCode != ErrorCode.InvalidRequest)
                {
                    failures.Add($"{name}: replied {reply.Status} {reply.ErrorCode.ToWireName()} commit_ts {reply.CommitTs} ({reply.ErrorMessage})");
                    continue;
                }

                var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue, TimeSpan.FromSeconds(10));
                if (dead.MessageId != correlationId || dead.HeaderString(MessageHeaders.Error) is null)
                {
                    failures.Add($"{name}: dead-lettered message {dead.MessageId} with error header '{dead.HeaderString(MessageHeaders.Error)}'");
                }
            }
            catch (TimeoutException e)
            {
                failures.Add($"{name}: {e.Message}");
            }
        }

        Assert.True(Scope.Worker.HasExited is false, "the worker died:\n" + Scope.Worker.Log);
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        await AssertNothingWrittenAndStillCommitsAsync(raw);
    }

    private static byte[] Envelope(string txnId, IReadOnlyList<Operation> operations) =>
        WireFormat.Serialize(new CommitEnvelope(WireFormat.SchemaVersion, txnId, "default", operations, Envelopes.Deadline()));

    private async Task AssertNothingWrittenAndStillCommitsAsync(RawAmqpClient raw)
    {
        Assert.Equal(0, (await raw.HealthAsync(Scope.Names)).LastCommitTs);

        var good = Envelopes.Write("after-bad", ("agent", "good", "v"));
        await raw.PublishCommitAsync(Scope.Names, good);
        var reply = await raw.NextCommitReplyAsync(good.TxnId);

        Assert.Equal(CommitStatus.Committed, reply.Status);
        Assert.Equal(1, reply.CommitTs);
        Assert.True((await raw.GetAsync(Scope.Names, "default", "agent", "good")).Exists);
    }
}
