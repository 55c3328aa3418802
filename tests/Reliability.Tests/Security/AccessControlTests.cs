using RabbitMQ.Client;
using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Security;

/// <summary>
/// Per-namespace authorization with two real broker users: the broker checks each message's user_id against the
/// connection's user, and the worker checks that user's grants. alice may write <c>bank</c> and read <c>audit</c>;
/// bob may write (and so read) <c>audit</c>.
/// </summary>
public sealed class AccessControlTests(BrokerFixture broker, ITestOutputHelper output) : ReliabilityTest(broker, output)
{
    [Fact]
    public async Task CommitAndRead_TwoBrokerUsers_OnlyGrantedNamespacesAndUnsignedOrForgedMessagesRefused()
    {
        await using var dedicated = Broker.Source == BrokerFixture.EnvironmentVariable && LocalRabbitCtl.IsInstalled
            ? null
            : await DedicatedBroker.StartAsync(LongCt);
        var admin = dedicated ?? (IBrokerAdmin)new SharedLocalNode(Broker);
        Output.WriteLine($"broker: {admin.Description}");

        var suffix = Guid.NewGuid().ToString("N")[..8];
        var alice = new BrokerUser($"alice-{suffix}", Guid.NewGuid().ToString("N"));
        var bob = new BrokerUser($"bob-{suffix}", Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var user in new[] { alice, bob })
            {
                await admin.CtlAsync(["add_user", user.Name, user.Password], LongCt);
                await admin.CtlAsync(["set_permissions", "-p", "/", user.Name, ".*", ".*", ".*"], LongCt);
            }

            await RunChecksAsync(admin.Uri, alice, bob);
        }
        finally
        {
            foreach (var user in new[] { alice, bob })
            {
                try
                {
                    await admin.CtlAsync(["delete_user", user.Name], CancellationToken.None);
                }
                catch (InvalidOperationException e)
                {
                    Output.WriteLine($"clean-up: {e.Message}");
                }
            }
        }
    }

    private async Task RunChecksAsync(Uri brokerUri, BrokerUser alice, BrokerUser bob)
    {
        await Scope.StartWorkerAsync(
            ("Statehouse:Broker:Uri", brokerUri.ToString()),
            ("Statehouse:Authorization:Enabled", "true"),
            ($"Statehouse:Authorization:Users:{alice.Name}:Write:0", "bank"),
            ($"Statehouse:Authorization:Users:{alice.Name}:Read:0", "audit"),
            ($"Statehouse:Authorization:Users:{bob.Name}:Write:0", "audit"));
        var aliceClient = await Scope.ConnectClientAsync(o => o.Uri = alice.UriOn(brokerUri));
        var bobClient = await Scope.ConnectClientAsync(o => o.Uri = bob.UriOn(brokerUri));

        // Writes: each user in its own namespace only.
        var aliceCommit = await CommitAsync(aliceClient, "bank", tx => tx.Write("account", "A", 100));
        var bobDenied = await Assert.ThrowsAsync<StatehouseUnauthorizedException>(() => CommitAsync(bobClient, "bank", tx => tx.Write("account", "A", 0)));
        var bobCommit = await CommitAsync(bobClient, "audit", tx => tx.Write("log", "entry-1", "bob was here"));
        Output.WriteLine($"alice→bank commit_ts {aliceCommit.CommitTs}; bob→bank {bobDenied.Code}: {bobDenied.Message}; bob→audit commit_ts {bobCommit.CommitTs}");

        // A message without user_id, even for a namespace the connection's user may write: refused and dead-lettered.
        var bobConnection = await new ConnectionFactory { Uri = bob.UriOn(brokerUri), ClientProvidedName = "access-control-test bob" }.CreateConnectionAsync(LongCt);
        await using (bobConnection)
        {
            await using var raw = await RawAmqpClient.CreateAsync(bobConnection);
            var unsigned = Envelopes.Write("unsigned", ("log", "unsigned", "no user_id")) with { Namespace = "audit" };
            await raw.PublishCommitAsync(Scope.Names, unsigned);
            var unsignedReply = await raw.NextCommitReplyAsync(unsigned.TxnId, Patience);
            var dead = await NextDeadLetterAsync(raw, unsigned.TxnId);
            Output.WriteLine($"no user_id: {unsignedReply.Status} {unsignedReply.ErrorCode.ToWireName()} ({unsignedReply.ErrorMessage}); dead-lettered with {dead.HeaderString(MessageHeaders.ErrorCode)}");

            Assert.Equal((CommitStatus.Rejected, ErrorCode.Unauthorized), (unsignedReply.Status, unsignedReply.ErrorCode));
            Assert.Equal(unsigned.TxnId, dead.MessageId);
            Assert.Equal(ErrorCode.Unauthorized.ToWireName(), dead.HeaderString(MessageHeaders.ErrorCode));

            // bob's connection claiming to be alice: the broker itself refuses the message and closes the channel.
            var forged = Envelopes.Write("forged", ("account", "forged", "as alice")) with { Namespace = "bank" };
            var (closeCode, closeText) = await PublishForgedAsync(bobConnection, forged, alice.Name);
            Output.WriteLine($"user_id={alice.Name} on {bob.Name}'s connection: channel closed {closeCode} {closeText}");
            Assert.Equal(406, closeCode);
            Assert.Contains("user_id", closeText, StringComparison.Ordinal);
        }

        // Reads: the same grants.
        var bobReadDenied = await Assert.ThrowsAsync<StatehouseUnauthorizedException>(() => bobClient.GetStateAsync<int>("account", "A", "bank", LongCt));
        var aliceReadsAudit = await aliceClient.GetStateAsync<string>("log", "entry-1", "audit", LongCt);
        var aliceReadsBank = await aliceClient.GetStateAsync<int>("account", "A", "bank", LongCt);
        var aliceDeniedElsewhere = await Assert.ThrowsAsync<StatehouseUnauthorizedException>(() => aliceClient.GetStateAsync<string>("log", "x", "hr", LongCt));
        Output.WriteLine($"bob reads bank: {bobReadDenied.Code}; alice reads audit: '{aliceReadsAudit.Value}'; alice reads bank: {aliceReadsBank.Value}; alice reads hr: {aliceDeniedElsewhere.Code}");

        Assert.Equal("bob was here", aliceReadsAudit.Value);
        Assert.Equal((100, 1L), (aliceReadsBank.Value, aliceReadsBank.Version));

        // Nothing refused was written: bank holds alice's value only, and only two transactions ever committed.
        var last = await CommitAsync(aliceClient, "bank", tx => tx.Write("account", "B", 1));
        Assert.Equal((1L, 2L, 3L), (aliceCommit.CommitTs, bobCommit.CommitTs, last.CommitTs));
        Assert.False((await aliceClient.GetStateAsync<string>("account", "forged", "bank", LongCt)).Exists);
        Assert.False((await bobClient.GetStateAsync<string>("log", "unsigned", "audit", LongCt)).Exists);
        Assert.Equal(3, (await aliceClient.HealthAsync(LongCt)).LastCommitTs);
    }

    /// <summary>The dead-lettered copy of <paramref name="txnId"/> (bob's refused commit to bank is dead-lettered too, before it).</summary>
    private async Task<ReceivedMessage> NextDeadLetterAsync(RawAmqpClient raw, string txnId)
    {
        for (var i = 0; i < 3; i++)
        {
            var dead = await raw.NextMessageAsync(Scope.Names.DeadLetterQueue, Patience);
            if (dead.MessageId == txnId)
            {
                return dead;
            }

            Output.WriteLine($"also dead-lettered: {dead.MessageId} {dead.HeaderString(MessageHeaders.ErrorCode)}");
        }

        throw new Xunit.Sdk.XunitException($"txn {txnId} is not among the first three dead-lettered messages.");
    }

    /// <summary>Publishes with a user_id other than the connection's user; returns how the broker closed the channel.</summary>
    private async Task<(ushort Code, string Text)> PublishForgedAsync(IConnection connection, CommitEnvelope envelope, string claimedUser)
    {
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), LongCt);
        await using (channel)
        {
            var properties = new BasicProperties
            {
                Persistent = true,
                MessageId = envelope.TxnId,
                CorrelationId = envelope.TxnId,
                UserId = claimedUser,
                ContentType = WireFormat.ContentType,
            };
            var publish = async () => await channel.BasicPublishAsync("", Scope.Names.CommitQueue, mandatory: true, properties, WireFormat.Serialize(envelope), LongCt);
            await Assert.ThrowsAnyAsync<Exception>(publish);
            var reason = channel.CloseReason ?? throw new InvalidOperationException("The forged publish failed but the channel is open.");
            return (reason.ReplyCode, reason.ReplyText);
        }
    }

    private async Task<CommitResult> CommitAsync(StatehouseClient client, string @namespace, Action<StatehouseTransaction> stage)
    {
        await using var tx = client.BeginTransaction(@namespace);
        stage(tx);
        return await tx.CommitAsync(LongCt);
    }

    private sealed record BrokerUser(string Name, string Password)
    {
        public Uri UriOn(Uri broker) => new UriBuilder(broker) { UserName = Name, Password = Password }.Uri;
    }
}
