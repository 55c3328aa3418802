using System.Text;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Cli.Tests.Infrastructure;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

/// <summary>Garbage published straight to the commit queue is dead-lettered by the worker; the CLI lists, shows and requeues it.</summary>
public sealed class DeadLettersTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    [Fact]
    public async Task DeadLetters_Garbage_IsListedShownAndRequeued()
    {
        await PublishGarbageAsync("garbage-1", [0xc1, 0x00, 0xff]);
        await Worker.WaitForLogAsync("Dead-lettered message garbage-1", Patience);

        var list = (await RunAsync("dead-letters", "list", "--json")).ExpectExit(0).Json().AsArray();
        var listed = Assert.Single(list)!;
        Assert.Equal(1, (int?)listed["index"]);
        Assert.Equal("garbage-1", (string?)listed["message_id"]);
        Assert.Equal("INVALID_REQUEST", (string?)listed["error_code"]);
        Assert.Contains("undecodable", (string?)listed["error"]);
        Assert.Equal(3, (int?)listed["size"]);

        // Listing does not take the message away; the human table shows the same.
        var human = (await RunAsync("dead-letters", "list")).ExpectExit(0);
        Assert.Equal(["INDEX", "MESSAGE_ID", "ERROR_CODE", "SIZE", "ERROR"], human.Lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["1", "garbage-1", "INVALID_REQUEST", "3"], human.Lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..4]);

        var shown = (await RunAsync("dead-letters", "show", "1", "--json")).ExpectExit(0).Json();
        Assert.Equal("base64", (string?)shown["body_format"]);
        Assert.Equal(Convert.ToBase64String([0xc1, 0x00, 0xff]), (string?)shown["body"]);
        Assert.Equal("commit", (string?)shown["headers"]![MessageHeaders.MessageType]);
        (await RunAsync("dead-letters", "show", "2")).ExpectExit(1);

        // Requeued to the commit queue, it is dead-lettered again: it can never be applied.
        var requeue = (await RunAsync("dead-letters", "requeue", "1", "--json")).ExpectExit(0).Json();
        Assert.Equal("garbage-1", (string?)requeue["requeued"]![0]!["message_id"]);
        Assert.Equal(Names.CommitQueue, (string?)requeue["queue"]);
        await Worker.WaitForLogAsync("Dead-lettered message garbage-1", 2, Patience);

        var again = Assert.Single((await RunAsync("dead-letters", "list", "--json")).ExpectExit(0).Json().AsArray())!;
        Assert.Equal("garbage-1", (string?)again["message_id"]);
        Assert.Equal(2, (long?)(await RunAsync("stats", "--json")).ExpectExit(0).Json()["dead_letters"]);
    }

    [Fact]
    public async Task DeadLetters_ShowEnvelope_DecodesItAsJson()
    {
        // A well-formed envelope the worker refuses (empty key): dead-lettered with its body intact.
        var envelope = new CommitEnvelope(
            WireFormat.SchemaVersion, "bad-key-txn", "default", [Operation.Write("a", "", [0x2a])], DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());
        await PublishGarbageAsync("bad-key-txn", WireFormat.Serialize(envelope));
        await Worker.WaitForLogAsync("Dead-lettered message bad-key-txn", Patience);

        var shown = (await RunAsync("dead-letters", "show", "1", "--json")).ExpectExit(0).Json();
        Assert.Equal("commit-envelope", (string?)shown["body_format"]);
        Assert.Equal("bad-key-txn", (string?)shown["body"]!["txn_id"]);
        var operation = shown["body"]!["operations"]![0]!;
        Assert.Equal("write", (string?)operation["op"]);
        Assert.Equal(42, (int?)operation["value"]);

        var human = (await RunAsync("dead-letters", "show", "1")).ExpectExit(0);
        Assert.Contains(human.Lines, l => l.StartsWith("error_code", StringComparison.Ordinal) && l.EndsWith("INVALID_REQUEST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeadLetters_Show_LeavesOutTheClientLibrarysPublishSequenceNumber()
    {
        // Published as the client library publishes: on a channel with confirm tracking, which stamps x-dotnet-pub-seq-no.
        await PublishGarbageAsync("stamped", [0xc1]);
        await Worker.WaitForLogAsync("Dead-lettered message stamped", Patience);

        var json = (await RunAsync("dead-letters", "show", "1", "--json")).ExpectExit(0).Json();
        var human = (await RunAsync("dead-letters", "show", "1")).ExpectExit(0);

        Assert.Equal("commit", (string?)json["headers"]![MessageHeaders.MessageType]);
        Assert.False(json["headers"]!.AsObject().ContainsKey(Constants.PublishSequenceNumberHeader), json.ToJsonString());
        Assert.DoesNotContain(Constants.PublishSequenceNumberHeader, human.Stdout);
    }

    [Fact]
    public async Task DeadLetters_RequeueAll_EmptiesTheQueueIntoTheCommitQueue()
    {
        // Without a worker consuming, requeued messages stay in the commit queue where they can be counted.
        await Worker.TerminateAsync();
        Assert.Equal(0, await Worker.WaitForExitAsync(Patience));

        await using (var channel = await Broker.Connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            foreach (var id in new[] { "g-1", "g-2", "g-3" })
            {
                await channel.BasicPublishAsync(Names.DeadLetterExchange, Names.CommitQueue, mandatory: true,
                    new BasicProperties { MessageId = id, Headers = new Dictionary<string, object?> { [MessageHeaders.ErrorCode] = "INVALID_REQUEST" } },
                    Encoding.UTF8.GetBytes(id));
            }
        }

        Assert.Equal(["g-1", "g-2", "g-3"], (await RunAsync("dead-letters", "list", "--json")).ExpectExit(0).Json().AsArray().Select(l => (string?)l!["message_id"]));
        var requeued = (await RunAsync("dead-letters", "requeue", "--all")).ExpectExit(0);
        Assert.Contains("requeued 3 message(s)", requeued.Stdout);

        Assert.Equal("[]", (await RunAsync("dead-letters", "list", "--json")).ExpectExit(0).Json().ToJsonString());
        await using var check = await Broker.Connection.CreateChannelAsync();
        Assert.Equal(3u, (await check.QueueDeclarePassiveAsync(Names.CommitQueue)).MessageCount);

        // basic.get is refused on a single-active-consumer quorum queue: consume the first message instead.
        var first = new TaskCompletionSource<IReadOnlyBasicProperties>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(check);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            first.TrySetResult(delivery.BasicProperties);
            return Task.CompletedTask;
        };
        await check.BasicQosAsync(0, 1, global: false);
        await check.BasicConsumeAsync(Names.CommitQueue, autoAck: false, consumer);
        var properties = await first.Task.WaitAsync(Patience);
        Assert.Equal("g-1", properties.MessageId);
        Assert.False(properties.Headers?.ContainsKey(MessageHeaders.ErrorCode) ?? false);
    }

    [Fact]
    public async Task DeadLettersPurge_ByIndexTxnIdOrAll_RemovesOnlyThoseAndAsksUnlessYes()
    {
        await using (var channel = await Broker.Connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            foreach (var id in new[] { "g-1", "g-2", "g-3", "g-4" })
            {
                await channel.BasicPublishAsync(Names.DeadLetterExchange, Names.CommitQueue, mandatory: true,
                    new BasicProperties { MessageId = id, Headers = new Dictionary<string, object?> { [MessageHeaders.ErrorCode] = "INVALID_REQUEST" } },
                    Encoding.UTF8.GetBytes(id));
            }
        }

        // Without --yes on a stdin that is not a terminal (even one saying "y"), nothing is removed.
        var refused = (await RunWithInputAsync("y\n", "dead-letters", "purge", "1")).ExpectExit(2);
        Assert.Contains("--yes", refused.Stderr);
        Assert.Equal(4u, await DeadLetterCountAsync());

        var purged = (await RunAsync("dead-letters", "purge", "2", "--yes", "--json")).ExpectExit(0).Json();
        Assert.Equal(Names.DeadLetterQueue, (string?)purged["queue"]);
        Assert.Equal("g-2", (string?)Assert.Single(purged["purged"]!.AsArray())!["message_id"]);
        Assert.Contains("purged 1 message(s)", (await RunAsync("dead-letters", "purge", "--txn-id", "g-3", "--yes")).ExpectExit(0).Stdout);
        (await RunAsync("dead-letters", "purge", "--txn-id", "g-9", "--yes")).ExpectExit(1);
        (await RunAsync("dead-letters", "purge", "--yes")).ExpectExit(2);
        (await RunAsync("dead-letters", "purge", "1", "--all", "--yes")).ExpectExit(2);
        Assert.Equal(["g-1", "g-4"], (await RunAsync("dead-letters", "list", "--json")).ExpectExit(0).Json().AsArray().Select(l => (string?)l!["message_id"]));

        var stats = (await RunAsync("stats", "--json")).ExpectExit(0).Json();
        Assert.Equal(2, (long?)stats["dead_letter_queue_ready"]);
        Assert.Equal(0, (long?)stats["commit_queue_ready"]);

        Assert.Contains("purged 2 message(s)", (await RunAsync("dead-letters", "purge", "--all", "--yes")).ExpectExit(0).Stdout);
        Assert.Equal(0u, await DeadLetterCountAsync());
    }

    [Fact]
    public async Task DeadLetters_RequeueUsage_NeedsIndexOrAll()
    {
        (await RunAsync("dead-letters", "requeue")).ExpectExit(2);
        (await RunAsync("dead-letters", "requeue", "1", "--all")).ExpectExit(2);
        (await RunAsync("dead-letters", "requeue", "0")).ExpectExit(2);
        (await RunAsync("dead-letters", "requeue", "1")).ExpectExit(1);
    }

    private async Task<uint> DeadLetterCountAsync()
    {
        await using var channel = await Broker.Connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(Names.DeadLetterQueue)).MessageCount;
    }

    private Task PublishGarbageAsync(string messageId, byte[] body) =>
        PublishRawAsync(Names.CommitQueue, body, new BasicProperties
        {
            MessageId = messageId,
            ContentType = WireFormat.ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            Headers = new Dictionary<string, object?> { [MessageHeaders.MessageType] = "commit" },
        });
}
