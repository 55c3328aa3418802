using MessagePack;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Commit;

public sealed class TransactionTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task CommitAsync_ThreeWritesInOneTransaction_NoneVisibleBeforeAllVisibleAfter()
    {
        var client = await StartWorkerAndClientAsync();
        await using var tx = client.BeginTransaction();
        tx.Write("agent-a", "k1", "one").Write("agent-a", "k2", "two").Write("agent-b", "k3", "three");

        var before = new[]
        {
            await client.GetStateAsync<string>("agent-a", "k1", ct: Ct),
            await client.GetStateAsync<string>("agent-a", "k2", ct: Ct),
            await client.GetStateAsync<string>("agent-b", "k3", ct: Ct),
        };
        var result = await tx.CommitAsync(Ct);
        var after = new[]
        {
            await client.GetStateAsync<string>("agent-a", "k1", ct: Ct),
            await client.GetStateAsync<string>("agent-a", "k2", ct: Ct),
            await client.GetStateAsync<string>("agent-b", "k3", ct: Ct),
        };

        Assert.All(before, s => Assert.False(s.Exists));
        Assert.Equal(1, result.CommitTs);
        Assert.Equal(["one", "two", "three"], after.Select(s => s.Value));
        Assert.All(after, s => Assert.True(s.Exists));
        Assert.All(after, s => Assert.Equal(result.CommitTs, s.CommitTs));
        Assert.All(after, s => Assert.Equal(1, s.Version));
        Assert.Equal(3, result.Versions.Count);
        Assert.Equal(1, result.VersionOf("agent-b", "k3"));
    }

    [Fact]
    public async Task GetStateAsync_AfterCommitReturned_ReturnsCommittedValueVersionAndCommitTs()
    {
        var client = await StartWorkerAndClientAsync();
        var account = new Account(50, "ada");
        var first = await CommitAsync(client, tx => tx.Write("bank", "account:A", account).Write("bank", "meta", new Dictionary<string, object> { ["balance"] = 50, ["tags"] = new[] { "x", "y" } }));
        var second = await CommitAsync(client, tx => tx.Write("bank", "account:A", account with { Balance = 70 }));

        var state = await client.GetStateAsync<Account>("bank", "account:A", ct: Ct);
        var meta = await client.GetStateAsync<Dictionary<string, object>>("bank", "meta", ct: Ct);

        Assert.Equal(new Account(70, "ada"), state.Value);
        Assert.Equal(2, state.Version);
        Assert.Equal(second.CommitTs, state.CommitTs);
        Assert.Equal(first.CommitTs + 1, second.CommitTs);
        Assert.True(meta.Exists);
        Assert.Equal(50L, Convert.ToInt64(meta.Value!["balance"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(first.CommitTs, meta.CommitTs);
        Assert.Equal(MessagePackSerializer.Serialize(account with { Balance = 70 }, Client.StatehouseClientOptions.DefaultValueSerializerOptions), state.RawValue!.Value.ToArray());
    }

    [Fact]
    public async Task CommitAsync_SameRecordTwiceInOneTransaction_LastWinsAndVersionMovesByOne()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));

        var result = await CommitAsync(client, tx => tx.Write("agent", "k", "v2").Write("agent", "k", "v3"));
        var state = await client.GetStateAsync<string>("agent", "k", ct: Ct);

        Assert.Equal("v3", state.Value);
        Assert.Equal(2, state.Version);
        Assert.Equal(2, result.VersionOf("agent", "k"));
    }

    [Fact]
    public async Task CommitAsync_ExpectVersionMismatch_ThrowsConflictWritesNothingAndReportsActualVersion()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("bank", "account:B", "v1"));
        await CommitAsync(client, tx => tx.Write("bank", "account:B", "v2"));

        await using var conflicting = client.BeginTransaction();
        conflicting.ExpectVersion("bank", "account:B", 3).Write("bank", "account:B", "v3").Write("bank", "other", "x");
        var conflict = await Assert.ThrowsAsync<StatehouseConflictException>(() => conflicting.CommitAsync(Ct));

        Assert.Equal(ErrorCode.Conflict, conflict.Code);
        Assert.Equal(conflicting.TxnId, conflict.TxnId);
        Assert.Equal(2, conflict.ActualVersionOf("bank", "account:B"));
        var state = await client.GetStateAsync<string>("bank", "account:B", ct: Ct);
        Assert.Equal(("v2", 2L), (state.Value, state.Version));
        Assert.False((await client.GetStateAsync<string>("bank", "other", ct: Ct)).Exists);
        Assert.Equal(2, (await client.HealthAsync(Ct)).LastCommitTs);
    }

    [Fact]
    public async Task CommitAsync_ExpectZeroOnExistingKey_ThrowsConflictWithActualVersion()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));

        await using var create = client.BeginTransaction();
        create.ExpectVersion("agent", "k", 0).Write("agent", "k", "again");
        var conflict = await Assert.ThrowsAsync<StatehouseConflictException>(() => create.CommitAsync(Ct));

        Assert.Equal(1, conflict.ActualVersionOf("agent", "k"));
        Assert.Equal("v1", (await client.GetStateAsync<string>("agent", "k", ct: Ct)).Value);
    }

    [Fact]
    public async Task CommitAsync_ExpectedVersionsMatch_Commits()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));

        var result = await CommitAsync(client, tx => tx
            .ExpectVersion("agent", "k", 1).Write("agent", "k", "v2")
            .ExpectVersion("agent", "new", 0).Write("agent", "new", "created"));

        Assert.Equal(2, result.VersionOf("agent", "k"));
        Assert.Equal(1, result.VersionOf("agent", "new"));
        Assert.Equal("created", (await client.GetStateAsync<string>("agent", "new", ct: Ct)).Value);
    }

    [Fact]
    public async Task CommitAsync_DeleteOfNeverWrittenKey_WritesTombstoneVersionOne()
    {
        var client = await StartWorkerAndClientAsync();

        // One meaning for client and CLI alike: a delete always commits a tombstone, also of nothing.
        var deleted = await CommitAsync(client, tx => tx.Delete("agent", "never"));
        var state = await client.GetStateAsync<string>("agent", "never", ct: Ct);
        await using var onlyIfThere = client.BeginTransaction();
        onlyIfThere.ExpectVersion("agent", "other", 1).Delete("agent", "other");
        await Assert.ThrowsAsync<StatehouseConflictException>(() => onlyIfThere.CommitAsync(Ct));

        Assert.Equal((1L, 1L), (deleted.CommitTs, deleted.VersionOf("agent", "never")));
        Assert.Equal((false, 1L, 1L), (state.Exists, state.Version, state.CommitTs));
        Assert.Equal(1, (await client.HealthAsync(Ct)).LastCommitTs);
    }

    [Fact]
    public async Task CommitAsync_ExpectZeroOnDeletedKey_CommitsAndContinuesVersions()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", "v1"));
        await CommitAsync(client, tx => tx.Delete("agent", "k"));

        // A tombstone does not exist: "must not exist" holds, and the version still moves on from the delete.
        var recreated = await CommitAsync(client, tx => tx.ExpectVersion("agent", "k", 0).Write("agent", "k", "v3"));

        Assert.Equal(3, recreated.VersionOf("agent", "k"));
        Assert.Equal("v3", (await client.GetStateAsync<string>("agent", "k", ct: Ct)).Value);
    }

    [Fact]
    public async Task CommitAsync_ConflictAmongGroupedTransactions_OnlyConflictingOneRejected()
    {
        var client = await StartWorkerAndClientAsync();

        // Both expect "slot" to be new; published together they likely share a group commit, where the second must
        // see the first one's write.
        var commits = Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
        {
            await using var tx = client.BeginTransaction();
            tx.ExpectVersion("agent", "slot", 0).Write("agent", "slot", $"claimed by {i}").Write("agent", $"side-{i}", i);
            try
            {
                return (Result: (Client.CommitResult?)await tx.CommitAsync(Ct), Error: (StatehouseConflictException?)null);
            }
            catch (StatehouseConflictException e)
            {
                return (Result: null, Error: e);
            }
        })).ToList();
        var outcomes = await Task.WhenAll(commits);

        var winner = Assert.Single(outcomes, o => o.Error is null).Result!;
        var loser = Assert.Single(outcomes, o => o.Error is not null).Error!;
        Assert.Equal(1, winner.CommitTs);
        Assert.Equal(1, loser.ActualVersionOf("agent", "slot"));
        var slot = await client.GetStateAsync<string>("agent", "slot", ct: Ct);
        Assert.Equal(1, slot.Version);
        var sides = new[] { await client.GetStateAsync<int>("agent", "side-0", ct: Ct), await client.GetStateAsync<int>("agent", "side-1", ct: Ct) };
        Assert.Single(sides, s => s.Exists);
        Assert.Equal(1, (await client.HealthAsync(Ct)).LastCommitTs);
    }

    [Fact]
    public async Task DisposeAsync_UncommittedTransaction_SendsNothing()
    {
        var client = await StartWorkerAndClientAsync();

        await using (var tx = client.BeginTransaction())
        {
            tx.Write("agent", "k", "never");
        }

        var raw = await Scope.CreateRawClientAsync();
        Assert.Equal(0u, await raw.MessageCountAsync(Scope.Names.CommitQueue));
        Assert.False((await client.GetStateAsync<string>("agent", "k", ct: Ct)).Exists);
        Assert.Equal(0, (await client.HealthAsync(Ct)).LastCommitTs);
    }

    [MessagePackObject]
    public sealed record Account([property: Key(0)] int Balance, [property: Key(1)] string Owner);
}
