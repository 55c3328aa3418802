using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Messaging;

/// <summary>
/// A message is acked only once its effect or its dead-letter copy is stored: a copy counts as stored when the broker
/// confirmed it as routed to a queue. Through the real worker, the shared broker and rabbitmqctl (for policies).
/// </summary>
public sealed class DeadLetterTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    private static readonly byte[] s_garbage = [0xC1, 0xFF, 0x00, 0x13, 0x37, (byte)'d', (byte)'l', (byte)'q'];

    [Fact]
    public async Task DeadLetter_QueueDeletedWhileRunning_CopyStoredAfterRedeclareAndOriginalAcked()
    {
        var worker = await Scope.StartWorkerAsync();
        var raw = await Scope.CreateRawClientAsync();
        await using (var channel = await Broker.Connection.CreateChannelAsync(cancellationToken: LongCt))
        {
            await channel.QueueDeleteAsync(Scope.Names.DeadLetterQueue, ifUnused: false, ifEmpty: false, cancellationToken: LongCt);
        }

        var txnId = Envelopes.NewTxnId("dlq-deleted");
        await raw.PublishCommitAsync(Scope.Names, s_garbage, txnId);
        var reply = await raw.NextCommitReplyAsync(txnId, Patience);
        Assert.Equal((CommitStatus.Rejected, ErrorCode.InvalidRequest), (reply.Status, reply.ErrorCode));

        var waited = await WaitForQueueAsync(Scope.Names.DeadLetterQueue, Patience);
        var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue, Patience);
        Output.WriteLine($"dead-letter queue back after {waited.TotalSeconds:F1} s");
        Assert.Equal(s_garbage, dead.Body);
        Assert.Equal(txnId, dead.MessageId);
        Assert.Contains("routed the copy to no queue", worker.Log, StringComparison.Ordinal);

        // Acked, not merely held: after a clean stop nothing returns to the commit queue.
        Assert.Equal(0, await worker.StopAsync());
        Assert.Equal(0u, await raw.MessageCountAsync(Scope.Names.CommitQueue));
    }

    [Fact]
    public async Task DeadLetter_QueueRefusesCopies_HeldWithBackoffOthersInGroupAnsweredThenCopiedWhenAccepted()
    {
        var admin = new SharedLocalNode(Broker);
        var policy = $"{Scope.Prefix}-refuse-dead-letters";
        var worker = await Scope.StartWorkerAsync();
        Assert.Equal(0, await worker.StopAsync());
        try
        {
            // An operator's length limit that refuses every copy (as a full disk on the broker would).
            await admin.CtlAsync(["set_policy", "--apply-to", "queues", "--priority", "100", policy,
                $"^{Scope.Prefix}\\.commit\\.dead$", "{\"max-length\":0,\"overflow\":\"reject-publish\"}"], LongCt);

            // Queued while the worker is stopped, so that they arrive together and share a group.
            var raw = await Scope.CreateRawClientAsync();
            var before = Envelopes.Write("before", ("agent", "k1", "v1"));
            var garbageId = Envelopes.NewTxnId("dlq-refused");
            var after = Envelopes.Write("after", ("agent", "k2", "v2"));
            await raw.PublishCommitAsync(Scope.Names, before);
            await raw.PublishCommitAsync(Scope.Names, s_garbage, garbageId);
            await raw.PublishCommitAsync(Scope.Names, after);
            worker = await Scope.StartWorkerAsync();

            var replies = new[]
            {
                await raw.NextCommitReplyAsync(before.TxnId, Patience),
                await raw.NextCommitReplyAsync(garbageId, Patience),
                await raw.NextCommitReplyAsync(after.TxnId, Patience),
            };
            Assert.Equal([CommitStatus.Committed, CommitStatus.Rejected, CommitStatus.Committed], replies.Select(r => r.Status));
            Assert.Equal((1L, 2L), (replies[0].CommitTs, replies[2].CommitTs));

            var health = await raw.HealthAsync(Scope.Names);
            Output.WriteLine($"health while refused: {health.Healthy} {health.Status} {health.Detail}");
            Assert.Equal((false, "dead-letter-failed"), (health.Healthy, health.Status));
            Assert.Contains("basic.nack", health.Detail ?? "", StringComparison.Ordinal);

            // Backing off, not looping: over a window of seconds only a handful of retries, and no redelivery.
            var window = Stopwatch.StartNew();
            await worker.WaitForLogAsync("next try in 2 s", Patience);
            await Task.Delay(TimeSpan.FromSeconds(3), LongCt);
            var retries = CountLines(worker.Log, "still held for their dead-letter copies");
            Output.WriteLine($"retries of the held copy in {window.Elapsed.TotalSeconds:F1} s: {retries}");
            Assert.InRange(retries, 2, 6);
            Assert.Equal(0u, await raw.MessageCountAsync(Scope.Names.CommitQueue));

            await admin.CtlAsync(["clear_policy", policy], LongCt);
            var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue, Recovery);
            Assert.Equal(s_garbage, dead.Body);
            Assert.Equal(garbageId, dead.MessageId);
            await worker.WaitForLogAsync("Dead-letter copies are stored again", Patience);
            var recovered = await raw.HealthAsync(Scope.Names);
            Assert.Equal((true, "ok"), (recovered.Healthy, recovered.Status));

            Assert.Equal(0, await worker.StopAsync());
            Assert.Equal(0u, await raw.MessageCountAsync(Scope.Names.CommitQueue));
        }
        finally
        {
            await ClearPolicyAsync(admin, policy);
        }
    }

    [Fact]
    public async Task Start_CommitQueueDeclaredByEarlierVersion_StartsAndNamesPolicyUpgrade()
    {
        await using (var channel = await Broker.Connection.CreateChannelAsync(cancellationToken: LongCt))
        {
            await channel.ExchangeDeclareAsync(Scope.Names.DeadLetterExchange, ExchangeType.Fanout, durable: true, cancellationToken: LongCt);
            await channel.QueueDeclareAsync(Scope.Names.CommitQueue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-single-active-consumer"] = true,
                ["x-delivery-limit"] = 20,
                ["x-dead-letter-exchange"] = Scope.Names.DeadLetterExchange,
            }, cancellationToken: LongCt);
        }

        var worker = await Scope.StartWorkerAsync();
        var client = await Scope.ConnectClientAsync();
        var committed = await CommitAsync(client, tx => tx.Write("agent", "k", "v"));

        Assert.Equal(1L, committed.CommitTs);
        Assert.Contains("rabbitmqctl set_policy", worker.Log, StringComparison.Ordinal);
        Assert.Contains("dead-letter-strategy", worker.Log, StringComparison.Ordinal);
    }

    private async Task<TimeSpan> WaitForQueueAsync(string queue, TimeSpan timeout)
    {
        // RabbitMQ announces no queue creation over AMQP: ask, on a fresh channel each time (a 404 closes it).
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var probe = await Broker.Connection.CreateChannelAsync(cancellationToken: LongCt);
                await probe.QueueDeclarePassiveAsync(queue, LongCt);
                return waited.Elapsed;
            }
            catch (OperationInterruptedException) when (waited.Elapsed < timeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), LongCt);
            }
            catch (OperationInterruptedException e)
            {
                throw new TimeoutException($"'{queue}' was not declared again within {timeout.TotalSeconds} s: the dead-letter copy is lost", e);
            }
        }
    }

    private static int CountLines(string log, string text) =>
        log.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    private async Task ClearPolicyAsync(SharedLocalNode admin, string policy)
    {
        try
        {
            await admin.CtlAsync(["clear_policy", policy], CancellationToken.None);
        }
        catch (InvalidOperationException e)
        {
            // Already cleared by the test.
            Output.WriteLine($"clean-up: {e.Message}");
        }
    }
}
