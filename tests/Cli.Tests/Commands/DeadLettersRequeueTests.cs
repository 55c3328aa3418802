using RabbitMQ.Client;
using Statehouse.Cli.Tests.Infrastructure;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

/// <summary>
/// An operator's requeue is validated again by the worker (applied if it now passes, dead-lettered again with today's
/// reason if not) and is sent under the operator's broker user, whose grants decide.
/// </summary>
public sealed class DeadLettersRequeueTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    private const string NodeVariable = "STATEHOUSE_TEST_RABBITMQ_NODE";

    [Fact]
    public async Task DeadLettersRequeue_LimitRaisedAfterRefusal_AppliesTheTransactionOnce()
    {
        var envelope = Operations("t-1001", 1001);
        await PublishCommitAsync(envelope);
        await Worker.WaitForLogAsync("Dead-lettered message t-1001", Patience);
        await RestartWorkerAsync("--Statehouse:Limits:MaxOperations=2000");

        // A client's own resend gets the recorded refusal: nothing is applied.
        await PublishCommitAsync(envelope);
        Assert.Equal(1, await BarrierAsync());
        (await RunAsync("get", "agent", "k0")).ExpectExit(1);

        var requeue = (await RunAsync("dead-letters", "requeue", "1", "--json")).ExpectExit(0).Json();
        Assert.Equal("t-1001", (string?)requeue["requeued"]![0]!["message_id"]);
        Assert.Equal(3, await BarrierAsync());
        Assert.Equal(1, (long?)(await RunAsync("get", "agent", "k1000", "--json")).ExpectExit(0).Json()["version"]);
        Assert.Equal("[]", (await RunAsync("dead-letters", "list", "--json")).ExpectExit(0).Json().ToJsonString());

        // The inbox holds the commit now: a resend, even one claiming to be a requeue, is answered from it.
        await PublishCommitAsync(envelope);
        await PublishCommitAsync(envelope, new Dictionary<string, object?> { [MessageHeaders.RequeuedBy] = "guest" });
        Assert.Equal(4, await BarrierAsync());
        var stats = (await RunAsync("stats", "--json")).ExpectExit(0).Json();
        Assert.Equal(4, (long?)stats["committed"]);
        Assert.Equal(3, (long?)stats["duplicates"]);
        Assert.Equal(0, (long?)stats["dead_letters"]);
        Assert.Equal(0, (long?)stats["dead_letter_queue_ready"]);
    }

    [Fact]
    public async Task DeadLettersRequeue_StillRefused_IsDeadLetteredAgainWithTheNewReason()
    {
        await PublishCommitAsync(Operations("r-1001", 1001));
        await PublishCommitAsync(Operations("e-1", 1) with { DeadlineUnixMs = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() });
        await Worker.WaitForLogAsync("Dead-lettered message e-1", Patience);
        await RestartWorkerAsync("--Statehouse:Limits:MaxOperations=500");

        (await RunAsync("dead-letters", "requeue", "--all")).ExpectExit(0);
        await Worker.WaitForLogAsync("Dead-lettered message r-1001", Patience);
        await Worker.WaitForLogAsync("Dead-lettered message e-1", Patience);

        var letters = (await RunAsync("dead-letters", "list", "--json")).ExpectExit(0).Json().AsArray();
        Assert.Equal(["r-1001", "e-1"], letters.Select(l => (string?)l!["message_id"]));
        Assert.Equal("INVALID_REQUEST", (string?)letters[0]!["error_code"]);
        Assert.Contains("at most 500 ", (string?)letters[0]!["error"]);
        Assert.Equal("TXN_EXPIRED", (string?)letters[1]!["error_code"]);
        var stats = (await RunAsync("stats", "--json")).ExpectExit(0).Json();
        Assert.Equal(0, (long?)stats["last_commit_ts"]);
        Assert.Equal(2, (long?)stats["dead_letter_queue_ready"]);
    }

    [Fact]
    public async Task DeadLettersRequeue_WorkerMadeCopyUnderAuthorization_IsSentWithTheOperatorsUserIdAndApplied()
    {
        await RestartWorkerAsync("--Statehouse:Authorization:Enabled=true", "--Statehouse:Authorization:Users:guest:Write:0=*");
        // No user_id: refused UNAUTHORIZED; the worker's dead-letter copy has no user_id either.
        await PublishCommitAsync(Operations("a-1", 1));
        await Worker.WaitForLogAsync("Dead-lettered message a-1", Patience);
        Assert.Equal("UNAUTHORIZED", (string?)(await RunAsync("dead-letters", "list", "--json")).ExpectExit(0).Json()[0]!["error_code"]);

        var requeue = (await RunAsync("dead-letters", "requeue", "1", "--json")).ExpectExit(0).Json();
        Assert.Equal(2, await BarrierAsync());
        Assert.Equal(1, (long?)(await RunAsync("get", "agent", "k0", "--json")).ExpectExit(0).Json()["version"]);
        Assert.Equal("[]", (await RunAsync("dead-letters", "list", "--json")).ExpectExit(0).Json().ToJsonString());
        Assert.Equal("guest", (string?)requeue["user_id"]);
    }

    [Fact]
    public async Task DeadLettersRequeue_AsAnotherBrokerUser_IsSentUnderThatUserAndItsGrantsDecide()
    {
        var node = Environment.GetEnvironmentVariable(NodeVariable) is { Length: > 0 } set ? set : "rabbit@localhost";
        var user = "op-" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        using var cancel = new CancellationTokenSource(Patience * 2);
        await LocalRabbitCtl.RunAsync(node, ["add_user", user, password], cancel.Token);
        try
        {
            await LocalRabbitCtl.RunAsync(node, ["set_permissions", "-p", "/", user, ".*", ".*", ".*"], cancel.Token);
            await RestartWorkerAsync("--Statehouse:Authorization:Enabled=true", "--Statehouse:Authorization:Users:guest:Write:0=*");

            // As the broker leaves it after x-delivery-limit: the sender's own properties, user_id included.
            await using (var channel = await Broker.Connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
            {
                await channel.BasicPublishAsync(Names.DeadLetterExchange, Names.CommitQueue, mandatory: true, CommitProperties("u-1", "guest"),
                    WireFormat.Serialize(Operations("u-1", 1)));
            }

            var operatorUri = new UriBuilder(Broker.BrokerUri) { UserName = user, Password = password }.Uri.ToString();
            var requeue = (await RunRawAsync(null, ["--amqp", operatorUri, "--prefix", Prefix, "dead-letters", "requeue", "1", "--json"])).ExpectExit(0).Json();
            Assert.Equal(user, (string?)requeue["user_id"]);

            // The operator has no grant for the namespace: the worker refuses the copy under the operator's name.
            await Worker.WaitForLogAsync("Dead-lettered message u-1", Patience);
            var shown = (await RunAsync("dead-letters", "show", "1", "--json")).ExpectExit(0).Json();
            Assert.Equal("UNAUTHORIZED", (string?)shown["error_code"]);
            Assert.Equal("guest", (string?)shown["headers"]![MessageHeaders.OriginalUserId]);
            Assert.Equal(user, (string?)shown["headers"]![MessageHeaders.RequeuedBy]);
            Assert.Equal(user, (string?)shown["headers"]![MessageHeaders.DeadLetteredUserId]);

            // Requeued by a user who may write the namespace, it is applied.
            (await RunAsync("dead-letters", "requeue", "1")).ExpectExit(0);
            Assert.Equal(2, await BarrierAsync());
            Assert.Equal(1, (long?)(await RunAsync("get", "agent", "k0", "--json")).ExpectExit(0).Json()["version"]);
        }
        finally
        {
            await LocalRabbitCtl.RunAsync(node, ["delete_user", user], CancellationToken.None);
        }
    }

    /// <summary>A transaction of <paramref name="count"/> writes, keys k0, k1, ... of agent "agent", due in an hour.</summary>
    private static CommitEnvelope Operations(string txnId, int count) =>
        new(WireFormat.SchemaVersion, txnId, "default", [.. Enumerable.Range(0, count).Select(i => Operation.Write("agent", $"k{i}", [0x2a]))],
            DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());

    private static BasicProperties CommitProperties(string messageId, string? userId = null, Dictionary<string, object?>? headers = null)
    {
        var all = new Dictionary<string, object?> { [MessageHeaders.MessageType] = "commit" };
        foreach (var (name, value) in headers ?? [])
        {
            all[name] = value;
        }

        return new BasicProperties
        {
            MessageId = messageId,
            ContentType = WireFormat.ContentType,
            DeliveryMode = DeliveryModes.Persistent,
            UserId = userId,
            Headers = all,
        };
    }

    /// <summary>As a client without reply_to would publish it (on the guest connection, without user_id).</summary>
    private Task PublishCommitAsync(CommitEnvelope envelope, Dictionary<string, object?>? headers = null) =>
        PublishRawAsync(Names.CommitQueue, WireFormat.Serialize(envelope), CommitProperties(envelope.TxnId, headers: headers));

    /// <summary>
    /// Commits a marker through the CLI and returns its commit_ts: the commit queue is applied in order, so everything
    /// published before it has been handled.
    /// </summary>
    private async Task<long> BarrierAsync()
    {
        var put = (await RunAsync("put", "barrier", Guid.NewGuid().ToString("N"), "1", "--json")).ExpectExit(0).Json();
        return (long)put["commit_ts"]!;
    }

    private async Task RestartWorkerAsync(params string[] settings)
    {
        await Worker.TerminateAsync();
        Assert.Equal(0, await Worker.WaitForExitAsync(Patience));
        await StartWorkerAsync(DataDirectory, settings);
    }
}
