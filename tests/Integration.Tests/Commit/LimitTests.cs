using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Commit;

/// <summary>Oversized input is rejected with an error code, writes nothing, and never stops the worker.</summary>
public sealed class LimitTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task CommitAsync_ValueOverMaxValueBytes_ThrowsPayloadTooLargeAndWritesNothing()
    {
        await Scope.StartWorkerAsync(("Statehouse:Limits:MaxValueBytes", "1024"));
        var client = await Scope.ConnectClientAsync();

        await using var tx = client.BeginTransaction();
        tx.Write("agent", "small", "fits").Write("agent", "big", new string('x', 2000));
        var error = await Assert.ThrowsAsync<StatehousePayloadTooLargeException>(() => tx.CommitAsync(Ct));

        Assert.Equal(ErrorCode.PayloadTooLarge, error.Code);
        Assert.False((await client.GetStateAsync<string>("agent", "small", ct: Ct)).Exists);
        Assert.Equal(1, (await CommitAsync(client, t => t.Write("agent", "small", "fits"))).CommitTs);
    }

    [Fact]
    public async Task CommitAsync_MoreOperationsThanMaxOperations_ThrowsInvalidRequestAndWritesNothing()
    {
        await Scope.StartWorkerAsync(("Statehouse:Limits:MaxOperations", "50"));
        var client = await Scope.ConnectClientAsync();
        var atLimit = await CommitAsync(client, tx => Enumerable.Range(0, 50).ToList().ForEach(i => tx.Write("agent", $"k{i:D2}", i)));

        await using var overLimit = client.BeginTransaction();
        Enumerable.Range(0, 51).ToList().ForEach(i => overLimit.Write("other", $"k{i:D2}", i));
        var error = await Assert.ThrowsAsync<StatehouseInvalidRequestException>(() => overLimit.CommitAsync(Ct));

        Assert.Equal(ErrorCode.InvalidRequest, error.Code);
        Assert.Equal(50, atLimit.Versions.Count);
        Assert.Equal(50, (await client.ListKeysAsync("agent", ct: Ct).ToListAsync(Ct)).Count);
        Assert.Empty(await client.ListKeysAsync("other", ct: Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Commit_MessageOverMaxMessageBytes_RepliesPayloadTooLargeAndDeadLetters()
    {
        await Scope.StartWorkerAsync(("Statehouse:Limits:MaxMessageBytes", "1024"), ("Statehouse:Limits:MaxValueBytes", "1024"));
        var raw = await Scope.CreateRawClientAsync();
        var envelope = Envelopes.Write("too-big", ("agent", "k", new string('x', 500)), ("agent", "k2", new string('x', 600)));

        await raw.PublishCommitAsync(Scope.Names, envelope);
        var reply = await raw.NextCommitReplyAsync(envelope.TxnId);
        var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue);

        Assert.Equal((CommitStatus.Rejected, ErrorCode.PayloadTooLarge), (reply.Status, reply.ErrorCode));
        Assert.Equal(envelope.TxnId, dead.MessageId);
        Assert.False((await raw.GetAsync(Scope.Names, "default", "agent", "k")).Exists);
    }

    [Fact]
    public async Task CommitAsync_EnvelopeOverClientMaxMessageBytes_ThrowsPayloadTooLargeWithoutPublishing()
    {
        // No worker consumes: whatever is published stays countable in the commit queue.
        await Scope.StartWorkerAsync();
        await Scope.Worker.StopAsync();
        var client = await Scope.ConnectClientAsync(options =>
        {
            options.CommitTimeout = TimeSpan.FromSeconds(3);
            options.MaxCommitAttempts = 1;
        });
        var raw = await Scope.CreateRawClientAsync();

        // 5 values of just under 1 MiB (the worker's MaxValueBytes): each fits, the transaction exceeds the 4 MiB default.
        await using var tx = client.BeginTransaction();
        for (var i = 0; i < 5; i++)
        {
            tx.Write("agent", $"k{i}", new byte[(1 << 20) - 64]);
        }

        var error = await Assert.ThrowsAsync<StatehousePayloadTooLargeException>(() => tx.CommitAsync(Ct));

        Assert.Equal(ErrorCode.PayloadTooLarge, error.Code);
        Assert.Equal(tx.TxnId, error.TxnId);
        Assert.Equal(0u, await raw.MessageCountAsync(Scope.Names.CommitQueue));
    }

    [Fact]
    public async Task Commit_MessageJustOverDefaultMaxMessageBytes_RepliesPayloadTooLargeAndKeepsCommitting()
    {
        // With the default limit (4 MiB) the worker must still see the message to answer it: an AMQP client that
        // refuses bodies of that size would lose its session on every redelivery instead.
        await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        var correlationId = Envelopes.NewTxnId("4mib");
        var body = new byte[(4 << 20) + 4096];

        await raw.PublishCommitAsync(Scope.Names, body, correlationId);
        var reply = await raw.NextCommitReplyAsync(correlationId, TimeSpan.FromSeconds(20));
        var good = Envelopes.Write("after-64mib", ("agent", "k", "v"));
        await raw.PublishCommitAsync(Scope.Names, good);
        var goodReply = await raw.NextCommitReplyAsync(good.TxnId);

        Assert.Equal((CommitStatus.Rejected, ErrorCode.PayloadTooLarge), (reply.Status, reply.ErrorCode));
        Assert.Equal(1, goodReply.CommitTs);

        // Counted, not consumed: the copy is the same large body.
        Assert.Equal(1u, await raw.MessageCountAsync(Scope.Names.DeadLetterQueue));
        Assert.DoesNotContain("Lost the broker session", Scope.Worker.Log, StringComparison.Ordinal);
    }
}
