using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Replication;

/// <summary>
/// Replication on one broker node with real worker processes (docs/replication.md): each worker has its own store, the
/// primary puts every group in the log stream before its own write, replicas follow the log, a killed primary's
/// replica takes over and answers redeliveries from its inbox, and a store that holds a group the log voided refuses.
/// The cluster proofs (several broker nodes, node loss, paused primaries) are in tests/Replication.Tests.
/// </summary>
public sealed class ReplicationTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task Replica_EmptyStoreFollowingThePrimary_EndsWithTheSameBytesInEveryFamily()
    {
        var primary = await Scope.StartWorkerAsync(Replicated());
        var replicaStore = Scope.OtherDataDirectory("replica");
        var replica = await Scope.StartWorkerAsync(Replicated(("Statehouse:Storage:Path", replicaStore)));
        var clients = new[] { await Scope.ConnectClientAsync(), await Scope.ConnectClientAsync() };

        var results = await Task.WhenAll(clients.Select((client, c) => CommitManyAsync(client, $"agent-{c}", 15)));
        // A conflict (recorded in the inbox only) and a delete travel through the log too.
        await Assert.ThrowsAsync<StatehouseConflictException>(() => CommitAsync(clients[0], tx => tx.ExpectVersion("agent-0", "k0", 7).Write("agent-0", "k0", "x")));
        var last = (await CommitAsync(clients[1], tx => tx.Delete("agent-1", "k1"))).CommitTs;

        await replica.WaitForLogAsync($"last commit_ts {last}", Patience, Ct);
        Assert.Equal(0, await primary.StopAsync());
        Assert.Equal(0, await replica.StopAsync());

        var onPrimary = StoreContents.Read(Scope.DataDirectory);
        var onReplica = StoreContents.Read(replicaStore);
        Output.WriteLine($"primary: last commit_ts {onPrimary.LastCommitTs}, position {onPrimary.Position}; replica: {onReplica.LastCommitTs}, {onReplica.Position}");
        Assert.Equal(31, last);
        Assert.Equal(Enumerable.Range(1, 31).Select(ts => (long)ts), onReplica.Log.Select(entry => entry.CommitTs));
        Assert.Equal(onPrimary.Log, onReplica.Log);
        Assert.Equal(onPrimary.Digests, onReplica.Digests);
        Assert.Equal((last, onPrimary.Position.Seq, onPrimary.Position.Epoch), (onReplica.LastCommitTs, onReplica.Position.Seq, onReplica.Position.Epoch));
        Assert.All(results.SelectMany(r => r), r => Assert.Contains((r.CommitTs, r.TxnId), onReplica.Log));
    }

    [Fact]
    public async Task Takeover_PrimaryKilledUnderLoad_ReplicaAnswersEveryCommitOnceWithItsCommitTs()
    {
        var primary = await Scope.StartWorkerAsync(Replicated());
        var replicaStore = Scope.OtherDataDirectory("replica");
        var replica = await Scope.StartWorkerAsync(Replicated(("Statehouse:Storage:Path", replicaStore),
            ("Logging:LogLevel:Statehouse.Worker.Messaging.CommitLoop", "Debug")));
        var clients = new List<StatehouseClient>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(await Scope.ConnectClientAsync(o => (o.CommitTimeout, o.MaxCommitAttempts) = (TimeSpan.FromSeconds(3), 40)));
        }

        var committed = 0;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var load = clients.Select((client, c) => CommitManyAsync(client, $"agent-{c}", 20, () =>
        {
            if (Interlocked.Increment(ref committed) == 20)
            {
                halfway.TrySetResult();
            }
        })).ToArray();
        await halfway.Task.WaitAsync(Patience, Ct);
        await primary.KillAsync();
        var killed = DateTimeOffset.UtcNow;
        var results = (await Task.WhenAll(load).WaitAsync(TimeSpan.FromMinutes(2), Ct)).SelectMany(r => r).ToList();
        var tookOver = await replica.WaitForLogAsync("Took over as primary", Patience, Ct);
        var fromInbox = replica.Lines.Count(line => line.Contains("answered from the inbox", StringComparison.Ordinal));
        Output.WriteLine($"the replica: {tookOver}; all {results.Count} commits answered {(DateTimeOffset.UtcNow - killed).TotalSeconds:F1} s " +
            $"after the SIGKILL; {fromInbox} redelivered message(s) answered from the replica's inbox");
        Assert.Equal(0, await replica.StopAsync());

        var onReplica = StoreContents.Read(replicaStore);
        var onPrimary = StoreContents.Read(Scope.DataDirectory);
        Assert.Equal(60, results.Count);
        // Every answer is the store's: each txn_id once, at the commit_ts its client was given, commit_ts gapless.
        Assert.Equal(Enumerable.Range(1, onReplica.Log.Count).Select(ts => (long)ts), onReplica.Log.Select(entry => entry.CommitTs));
        Assert.Equal(onReplica.Log.Count, onReplica.Log.Select(entry => entry.TxnId).Distinct().Count());
        Assert.Equal(60, onReplica.Log.Count);
        Assert.All(results, r => Assert.Contains((r.CommitTs, r.TxnId), onReplica.Log));
        // The killed primary's store is never ahead of the log: what it holds, the replica holds at the same commit_ts.
        Assert.Equal(onPrimary.Log, onReplica.Log.Take(onPrimary.Log.Count));
    }

    [Fact]
    public async Task Start_StoreHoldsAGroupTheLogVoided_RefusesWithTheReseedCommand()
    {
        var oldPrimary = await Scope.StartWorkerAsync(Replicated());
        var replicaStore = Scope.OtherDataDirectory("replica");
        var replica = await Scope.StartWorkerAsync(Replicated(("Statehouse:Storage:Path", replicaStore)));
        var client = await Scope.ConnectClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));
        var second = await CommitAsync(client, tx => tx.Write("agent", "k", "v2"));
        await replica.WaitForLogAsync($"last commit_ts {second.CommitTs}", Patience, Ct);
        Assert.Equal(0, await oldPrimary.StopAsync());

        // What an old primary holds when its last record reached the log after a newer marker: a group stored under its
        // epoch that no valid record of the log has. Written here with the worker's engine, as its commit loop would.
        StoreGroupOutsideTheLog(Scope.DataDirectory, "v3-void");
        // The replica takes over (epoch 2) and commits its own group 3.
        var third = await CommitAsync(client, tx => tx.Write("agent", "k", "v3"));

        var restarted = Scope.LaunchWorker(Replicated());
        var exitCode = await restarted.Exited.WaitAsync(Patience, Ct);

        var refusal = await restarted.WaitForLogAsync("cannot follow the log", TimeSpan.Zero, Ct);
        Output.WriteLine(refusal);
        Assert.Equal(1, exitCode);
        Assert.Contains("which the log voided", refusal, StringComparison.Ordinal);
        Assert.Contains($"statehouse reseed --store {Scope.DataDirectory}", refusal, StringComparison.Ordinal);
        Assert.Contains("Re-seed a replica", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("Took over as primary", restarted.Log, StringComparison.Ordinal);
        // The deployment goes on with the replica, and reads never see the voided value.
        var state = await client.GetStateAsync<string>("agent", "k", ct: Ct);
        Assert.Equal(("v3", third.CommitTs), (state.Value, state.CommitTs));
    }

    [Fact]
    public async Task Start_ReplicationOffWhileTheDeploymentReplicates_RefusesAndNeverHandsOutACommitTsTwice()
    {
        var primary = await Scope.StartWorkerAsync(Replicated());
        var replicaStore = Scope.OtherDataDirectory("replica");
        var replica = await Scope.StartWorkerAsync(Replicated(("Statehouse:Storage:Path", replicaStore)));
        var client = await Scope.ConnectClientAsync();
        var first = await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));
        await replica.WaitForLogAsync($"last commit_ts {first.CommitTs}", Patience, Ct);
        Assert.Equal(0, await replica.StopAsync());

        // The replica's store carries the deployment's store id. Started with replication off, it would wait as a standby,
        // take over when the primary goes, commit outside the log, and hand out commit_ts values again after the next takeover.
        var unreplicated = Scope.LaunchWorker(("Statehouse:Storage:Path", replicaStore), ("Statehouse:Replication:Enabled", "false"));
        var notReady = await Record.ExceptionAsync(unreplicated.WaitUntilReadyAsync);

        var refusal = unreplicated.Lines.FirstOrDefault(line => line.Contains("Statehouse worker refused", StringComparison.Ordinal));
        Output.WriteLine(refusal ?? unreplicated.Log);
        Assert.IsType<InvalidOperationException>(notReady);
        Assert.Equal(1, unreplicated.ExitCode);
        Assert.NotNull(refusal);
        Assert.Contains($"replicates through the log stream {Scope.Names.LogStream}", refusal, StringComparison.Ordinal);
        Assert.Contains("Statehouse:Replication:Enabled=true", refusal, StringComparison.Ordinal);
        Assert.False(primary.HasExited);
        Assert.Equal(first.CommitTs + 1, (await CommitAsync(client, tx => tx.Write("agent", "k", "v2"))).CommitTs);
    }

    [Fact]
    public async Task Takeover_EmptyReplicaBesideAPrimaryWithoutReplication_NeverStartsTheLogAndHandsOutNoCommitTsAgain()
    {
        var primary = await Scope.StartWorkerAsync();
        var client = await Scope.ConnectClientAsync(o => (o.CommitTimeout, o.MaxCommitAttempts) = (TimeSpan.FromSeconds(3), 60));
        for (var i = 0; i < 3; i++)
        {
            await CommitAsync(client, tx => tx.Write("agent", $"k{i}", "before"));
        }

        // A replica started (wrongly) beside a primary that still runs without replication: its empty store takes the
        // deployment's id, and the log it declares holds no marker, since the primary publishes nothing.
        var replica = await Scope.StartWorkerAsync(Replicated(("Statehouse:Storage:Path", Scope.OtherDataDirectory("replica"))));
        await primary.KillAsync();
        await using var pending = client.BeginTransaction();
        pending.Write("agent", "k0", "after");
        var commit = pending.CommitAsync(Ct);
        var refused = await replica.WaitForLogAsync("only the deployment's own store may publish the log's first marker", Patience, Ct);
        // The deployment's own store, started with replication on, makes the log's base at its commit_ts and answers.
        await Scope.StartWorkerAsync(Replicated());
        var result = await commit.WaitAsync(TimeSpan.FromMinutes(2), Ct);

        Output.WriteLine($"{refused}\nthe commit published after the primary was killed got commit_ts {result.CommitTs}");
        Assert.Equal((4L, 2L), (result.CommitTs, result.VersionOf("agent", "k0")));
        Assert.DoesNotContain("Took over as primary", replica.Log, StringComparison.Ordinal);
        var state = await client.GetStateAsync<string>("agent", "k1", ct: Ct);
        Assert.Equal(("before", 2L), (state.Value, state.CommitTs));
    }

    [Fact]
    public async Task Topology_Replicated_ReadAndDeadLetterQueuesAreQuorumQueues()
    {
        await Scope.StartWorkerAsync(Replicated());

        // Declaring a queue again with another x-queue-type is refused (406): these declares pass only for quorum queues,
        // which on a cluster keep a replica on every node (a classic queue is lost with its node).
        foreach (var queue in new[] { Scope.Names.ReadQueue, Scope.Names.DeadLetterQueue })
        {
            await using var channel = await Broker.Connection.CreateChannelAsync(cancellationToken: Ct);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: Ct);
        }
    }

    [Fact]
    public async Task Topology_ReplicationTurnedOnOverAClassicDeadLetterQueue_UsesItAndSaysHowToReplaceIt()
    {
        await using (var channel = await Broker.Connection.CreateChannelAsync(cancellationToken: Ct))
        {
            await channel.QueueDeclareAsync(Scope.Names.DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        }

        var worker = await Scope.StartWorkerAsync(Replicated());
        var client = await Scope.ConnectClientAsync();
        var result = await CommitAsync(client, tx => tx.Write("agent", "k", "v"));

        Assert.Equal(1, result.CommitTs);
        Assert.Contains($"{Scope.Names.DeadLetterQueue} exists as a classic queue", worker.Log, StringComparison.Ordinal);
        Assert.Contains("rabbitmqctl delete_queue", worker.Log, StringComparison.Ordinal);
    }

    private static (string Key, string Value)[] Replicated(params (string Key, string Value)[] settings) =>
    [
        ("Statehouse:Replication:Enabled", "true"),
        // The follower logs each applied run at Debug: the tests wait for "last commit_ts N".
        ("Logging:LogLevel:Statehouse.Worker.Replication.LogFollower", "Debug"),
        .. settings,
    ];

    /// <summary>Commits <paramref name="count"/> transactions one after another, each writing its own key of <paramref name="agent"/>.</summary>
    private async Task<List<CommitResult>> CommitManyAsync(StatehouseClient client, string agent, int count, Action? committed = null)
    {
        var results = new List<CommitResult>(count);
        for (var i = 0; i < count; i++)
        {
            results.Add(await CommitAsync(client, tx => tx.Write(agent, $"k{i}", $"v{i}")));
            committed?.Invoke();
        }

        return results;
    }

    /// <summary>Writes one more group into the stopped worker's store under its epoch, with the next seq, outside the log.</summary>
    private static void StoreGroupOutsideTheLog(string path, string value)
    {
        using var store = StateStore.Open(path);
        var engine = new CommitEngine(store, new LimitOptions(), TimeProvider.System, new NamespaceAuthorizer(new AuthorizationOptions()));
        var envelope = Envelopes.Write("void", ("agent", "k", value));
        var group = engine.Decide([new CommitRequest(WireFormat.Serialize(envelope), envelope.TxnId)]);
        var position = store.Position;
        engine.Write(group, position with { Seq = position.Seq + 1 });
    }
}
