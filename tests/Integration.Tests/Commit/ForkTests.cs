using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Statehouse.Integration.Tests.Replication;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Commit;

/// <summary><c>StatehouseClient.ForkAsync</c> through a real broker and worker: one transaction the worker decides.</summary>
public sealed class ForkTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task ForkAsync_AtCommitTs_TargetGetsThatStateByteForByteWithANoteAndReplayStartsWithIt()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("run-1", "step", 1).Write("run-1", "plan", new Dictionary<string, object> { ["goal"] = "x" }));
        var forkAt = (await CommitAsync(client, tx => tx.Write("run-1", "notes", new[] { "a", "b" }).Delete("run-1", "plan"))).CommitTs;
        await CommitAsync(client, tx => tx.Write("run-1", "step", 2).Write("run-1", "later", true));

        var fork = await client.ForkAsync("run-1", forkAt, "run-2", ct: Ct);

        Assert.Equal(forkAt + 2, fork.CommitTs);
        var keys = await client.ListKeysAsync("run-2", ct: Ct).ToListAsync(Ct);
        Assert.Equal(["notes", ForkNote.ReservedKey, "step"], keys);
        foreach (var key in new[] { "notes", "step" })
        {
            var copy = await client.GetStateAsync<object>("run-2", key, ct: Ct);
            var original = await client.GetStateAsOfAsync<object>("run-1", key, forkAt, ct: Ct);
            Assert.Equal(original.RawValue!.Value.ToArray(), copy.RawValue!.Value.ToArray());
            Assert.Equal((1L, fork.CommitTs), (copy.Version, copy.CommitTs));
        }

        Assert.Equal(new ForkNote("run-1", client.DefaultNamespace, forkAt, fork.TxnId), await client.GetForkNoteAsync("run-2", ct: Ct));
        Assert.Null(await client.GetForkNoteAsync("run-1", ct: Ct));
        var replay = await client.ReplayAsync("run-2", ct: Ct).ToListAsync(Ct);
        Assert.Equal(fork.CommitTs, Assert.Single(replay).CommitTs);
        Assert.Equal(2, (await client.GetStateAsync<int>("run-1", "step", ct: Ct)).Value);
    }

    [Fact]
    public async Task ForkAsync_TargetWithState_ThrowsConflictUnlessReplace()
    {
        var client = await StartWorkerAndClientAsync();
        var forkAt = (await CommitAsync(client, tx => tx.Write("run-1", "step", 1))).CommitTs;
        await CommitAsync(client, tx => tx.Write("run-2", "step", 7).Write("run-2", "own", "x"));

        var conflict = await Assert.ThrowsAsync<StatehouseConflictException>(() => client.ForkAsync("run-1", forkAt, "run-2", ct: Ct));

        Assert.Equal(ErrorCode.Conflict, conflict.Code);
        Assert.Contains("'run-2'", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("has 2 live keys", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(7, (await client.GetStateAsync<int>("run-2", "step", ct: Ct)).Value);

        var replaced = await client.ForkAsync("run-1", forkAt, "run-2", replace: true, ct: Ct);

        Assert.Equal(2, replaced.VersionOf("run-2", "step"));
        Assert.Equal(2, replaced.VersionOf("run-2", "own"));
        Assert.False((await client.GetStateAsync<string>("run-2", "own", ct: Ct)).Exists);
        Assert.Equal(1, (await client.GetStateAsync<int>("run-2", "step", ct: Ct)).Value);
        Assert.Equal([ForkNote.ReservedKey, "step"], await client.ListKeysAsync("run-2", ct: Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task ForkAsync_WithReplication_TheReplicaEndsWithThePrimarysBytesInEveryFamily()
    {
        (string, string)[] replicated = [("Statehouse:Replication:Enabled", "true"), ("Logging:LogLevel:Statehouse.Worker.Replication.LogFollower", "Debug")];
        var primary = await Scope.StartWorkerAsync(replicated);
        var replicaStore = Scope.OtherDataDirectory("replica");
        var replica = await Scope.StartWorkerAsync([.. replicated, ("Statehouse:Storage:Path", replicaStore)]);
        var client = await Scope.ConnectClientAsync();
        var forkAt = (await CommitAsync(client, tx => tx.Write("run-1", "step", 1).Write("run-1", "plan", "p"))).CommitTs;
        await CommitAsync(client, tx => tx.Write("run-1", "step", 2).Delete("run-1", "plan").Write("run-2", "own", 0));

        await client.ForkAsync("run-1", forkAt, "run-2", replace: true, ct: Ct);
        var last = (await client.ForkAsync("run-1", forkAt + 1, "run-3", ct: Ct)).CommitTs;

        await replica.WaitForLogAsync($"last commit_ts {last}", Patience, Ct);
        Assert.Equal(0, await primary.StopAsync());
        Assert.Equal(0, await replica.StopAsync());
        var (onPrimary, onReplica) = (StoreContents.Read(Scope.DataDirectory), StoreContents.Read(replicaStore));
        Assert.Equal(4, onReplica.LastCommitTs);
        Assert.Equal(onPrimary.Log, onReplica.Log);
        Assert.Equal(onPrimary.Digests, onReplica.Digests);
    }

    [Fact]
    public async Task ForkAsync_BeyondTheLastCommitTs_ThrowsInvalidRequestAndWritesNothing()
    {
        var client = await StartWorkerAndClientAsync();
        var last = (await CommitAsync(client, tx => tx.Write("run-1", "step", 1))).CommitTs;

        var invalid = await Assert.ThrowsAsync<StatehouseInvalidRequestException>(() => client.ForkAsync("run-1", last + 5, "run-2", ct: Ct));

        Assert.Contains($"beyond the last commit_ts {last}", invalid.Message, StringComparison.Ordinal);
        Assert.Empty(await client.ListKeysAsync("run-2", ct: Ct).ToListAsync(Ct));
        Assert.Equal(last, (await client.HealthAsync(Ct)).LastCommitTs);
    }

    [Theory]
    [InlineData("""{"source_agent": "run-1"}""")]
    [InlineData("""{"source_agent": "run-1", "namespace": "default", "commit_ts": 0, "txn_id": "t"}""")]
    [InlineData("\"just a string\"")]
    public async Task GetForkNoteAsync_ReservedKeyWrittenByAnApplication_ThrowsInsteadOfAnIncompleteNote(string json)
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.WriteRaw("run-2", ForkNote.ReservedKey, MessagePack.MessagePackSerializer.ConvertFromJson(json)));

        var error = await Assert.ThrowsAsync<StatehouseException>(() => client.GetForkNoteAsync("run-2", ct: Ct));

        Assert.Equal(ErrorCode.InternalError, error.Code);
        Assert.Contains($"The value of '{ForkNote.ReservedKey}' of agent 'run-2' is not a fork note", error.Message, StringComparison.Ordinal);
    }
}
