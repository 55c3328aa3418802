using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Reads;

public sealed class StateReadTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task GetStateAsync_NeverWrittenKey_DoesNotExist()
    {
        var client = await StartWorkerAndClientAsync();

        var state = await client.GetStateAsync<string>("agent", "missing", ct: Ct);

        Assert.False(state.Exists);
        Assert.Null(state.Value);
        Assert.Equal(0, state.Version);
    }

    [Fact]
    public async Task GetStateAsOfAsync_BeyondLastCommitTs_ThrowsInvalidRequest()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));
        await CommitAsync(client, tx => tx.Write("agent", "k", "v2"));

        var atLast = await client.GetStateAsOfAsync<string>("agent", "k", 2, ct: Ct);
        var future = await Assert.ThrowsAsync<StatehouseInvalidRequestException>(() => client.GetStateAsOfAsync<string>("agent", "k", 99_999, ct: Ct));

        Assert.Equal(("v2", 2L), (atLast.Value, atLast.Version));
        Assert.Equal(ErrorCode.InvalidRequest, future.Code);
        Assert.Contains("commit_ts 99999 is beyond the last commit_ts 2", future.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStateAtVersionAsync_EachVersion_ReturnsThatVersionsValueAndCommitTs()
    {
        var client = await StartWorkerAndClientAsync();
        var commits = new List<Client.CommitResult>();
        foreach (var value in new[] { "v1", "v2", "v3" })
        {
            commits.Add(await CommitAsync(client, tx => tx.Write("agent", "k", value).Write("noise", "n", value)));
        }

        for (var version = 1; version <= 3; version++)
        {
            var state = await client.GetStateAtVersionAsync<string>("agent", "k", version, ct: Ct);
            Assert.Equal($"v{version}", state.Value);
            Assert.Equal(version, state.Version);
            Assert.Equal(commits[version - 1].CommitTs, state.CommitTs);
        }

        var missing = await Assert.ThrowsAsync<StatehouseNotFoundException>(() => client.GetStateAtVersionAsync<string>("agent", "k", 4, ct: Ct));
        Assert.Equal(ErrorCode.VersionNotFound, missing.Code);
    }

    [Fact]
    public async Task GetStateAsOfAsync_CommitTsBetweenWrites_ReturnsStateAtThatCommit()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("other", "x", 1));       // ts 1: before k exists
        await CommitAsync(client, tx => tx.Write("agent", "k", "first"));  // ts 2
        await CommitAsync(client, tx => tx.Write("other", "x", 2));       // ts 3: k unchanged
        await CommitAsync(client, tx => tx.Write("agent", "k", "second")); // ts 4
        await CommitAsync(client, tx => tx.Delete("agent", "k"));          // ts 5

        var asOf = new Dictionary<long, Client.StateResult<string>>();
        for (long ts = 1; ts <= 5; ts++)
        {
            asOf[ts] = await client.GetStateAsOfAsync<string>("agent", "k", ts, ct: Ct);
        }

        Assert.False(asOf[1].Exists);
        Assert.Equal(("first", 1L, 2L), (asOf[2].Value, asOf[2].Version, asOf[2].CommitTs));
        Assert.Equal(("first", 1L, 2L), (asOf[3].Value, asOf[3].Version, asOf[3].CommitTs));
        Assert.Equal(("second", 2L, 4L), (asOf[4].Value, asOf[4].Version, asOf[4].CommitTs));
        Assert.False(asOf[5].Exists);
        Assert.Equal(3, asOf[5].Version);
    }

    [Fact]
    public async Task Delete_ExistingKey_ReadsAsMissingButStaysInHistoryAndReplay()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", "alive").Write("agent", "keep", "kept"));

        var deleted = await CommitAsync(client, tx => tx.Delete("agent", "k"));
        var state = await client.GetStateAsync<string>("agent", "k", ct: Ct);
        var history = await client.GetStateAtVersionAsync<string>("agent", "k", 1, ct: Ct);
        var keys = await client.ListKeysAsync("agent", ct: Ct).ToListAsync(Ct);
        var replay = await client.ReplayAsync("agent", ct: Ct).ToListAsync(Ct);

        Assert.False(state.Exists);
        Assert.Equal(2, state.Version);
        Assert.Equal(deleted.CommitTs, state.CommitTs);
        Assert.Equal(2, deleted.VersionOf("agent", "k"));
        Assert.Equal("alive", history.Value);
        Assert.Equal(["keep"], keys);
        Assert.Equal(2, replay.Count);
        var tombstone = Assert.Single(replay[1].Operations);
        Assert.Equal((OperationKind.Delete, "k", 2L), (tombstone.Kind, tombstone.Key, tombstone.Version));
        Assert.Null(tombstone.Value);
        Assert.Null(tombstone.As<string>());
    }

    [Fact]
    public async Task Write_AfterDelete_ContinuesVersionNumbering()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));
        await CommitAsync(client, tx => tx.Delete("agent", "k"));

        var revived = await CommitAsync(client, tx => tx.Write("agent", "k", "v3"));
        var state = await client.GetStateAsync<string>("agent", "k", ct: Ct);

        Assert.Equal(3, revived.VersionOf("agent", "k"));
        Assert.Equal(("v3", 3L, true), (state.Value, state.Version, state.Exists));
    }

    [Fact]
    public async Task GetStateAsync_SameAgentAndKeyInTwoNamespaces_AreSeparateRecords()
    {
        var client = await StartWorkerAndClientAsync();

        await using (var tx = client.BeginTransaction("ns-one"))
        {
            tx.Write("agent", "k", "one");
            await tx.CommitAsync(Ct);
        }

        await using (var tx = client.BeginTransaction("ns-two"))
        {
            tx.Write("agent", "k", "two").Write("agent", "k", "two again");
            await tx.CommitAsync(Ct);
        }

        var one = await client.GetStateAsync<string>("agent", "k", "ns-one", Ct);
        var two = await client.GetStateAsync<string>("agent", "k", "ns-two", Ct);

        Assert.Equal(("one", 1L), (one.Value, one.Version));
        Assert.Equal(("two again", 1L), (two.Value, two.Version));
        Assert.False((await client.GetStateAsync<string>("agent", "k", ct: Ct)).Exists);
        Assert.Single(await client.ReplayAsync("agent", @namespace: "ns-one", ct: Ct).ToListAsync(Ct));
    }
}
