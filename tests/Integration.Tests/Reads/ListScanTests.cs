using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Reads;

public sealed class ListScanTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task ListKeysAsync_KeysWrittenOutOfOrder_ReturnsThemInOrdinalOrder()
    {
        var client = await StartWorkerAndClientAsync();
        string[] keys = ["zeta", "a", "B", "a:b", "a/b", "a\0b", "aa", "é", "日本", "10", "9", "a b"];
        await CommitAsync(client, tx =>
        {
            foreach (var key in keys)
            {
                tx.Write("agent", key, key);
            }
        });

        var listed = await client.ListKeysAsync("agent", ct: Ct).ToListAsync(Ct);

        // Byte order of the UTF-8 keys, which for these (no surrogates) equals ordinal string order.
        Assert.Equal(keys.Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task ListKeysPageAsync_MoreKeysThanOnePage_PagesCoverEveryKeyOnceInOrder()
    {
        var client = await StartWorkerAndClientAsync();
        var keys = Enumerable.Range(0, 250).Select(i => $"key:{i:D4}").ToList();
        await CommitAsync(client, tx => keys.ForEach(k => tx.Write("agent", k, k)));

        var pages = new List<Client.KeyPage>();
        string? after = null;
        do
        {
            var page = await client.ListKeysPageAsync("agent", afterKey: after, limit: 100, ct: Ct);
            pages.Add(page);
            after = page.NextKey;
        }
        while (after is not null && pages.Count < 10);
        var defaultPaging = await client.ListKeysAsync("agent", ct: Ct).ToListAsync(Ct);
        var smallPages = await client.ListKeysAsync("agent", pageSize: 33, ct: Ct).ToListAsync(Ct);

        Assert.Equal([100, 100, 50], pages.Select(p => p.Keys.Count));
        Assert.Equal(keys, pages.SelectMany(p => p.Keys));
        Assert.Equal(keys, defaultPaging);
        Assert.Equal(keys, smallPages);
    }

    [Fact]
    public async Task ScanPrefixAsync_Prefix_ReturnsOnlyMatchingRecordsInOrderWithValues()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx =>
        {
            for (var i = 0; i < 120; i++)
            {
                tx.Write("agent", $"task:{i:D3}", i);
            }

            tx.Write("agent", "task", -1).Write("agent", "tasks", -2).Write("agent", "tas", -3).Write("agent", "order:1", -4);
        });
        await CommitAsync(client, tx => tx.Delete("agent", "task:005").Write("agent", "task:007", 700));

        var scanned = await client.ScanPrefixAsync<int>("agent", "task:", pageSize: 25, ct: Ct).ToListAsync(Ct);
        var firstPage = await client.ScanPrefixPageAsync<int>("agent", "task:", limit: 10, ct: Ct);
        var listed = await client.ListKeysAsync("agent", "task:", ct: Ct).ToListAsync(Ct);

        var expectedKeys = Enumerable.Range(0, 120).Where(i => i != 5).Select(i => $"task:{i:D3}").ToList();
        Assert.Equal(expectedKeys, scanned.Select(e => e.Key));
        Assert.Equal(expectedKeys, listed);
        Assert.All(scanned, e => Assert.True(e.State.Exists));
        Assert.Equal(700, scanned.Single(e => e.Key == "task:007").State.Value);
        Assert.Equal(2, scanned.Single(e => e.Key == "task:007").State.Version);
        Assert.Equal(119, scanned[^1].State.Value);
        Assert.Equal(10, firstPage.Entries.Count);
        Assert.Equal("task:010", firstPage.Entries[^1].Key);
    }

    [Fact]
    public async Task ListKeysAsync_AgentThatPrefixesAnother_StopsAtTheAgentBoundary()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx
            .Write("b", "c:d", "agent b, key c:d")
            .Write("b", "x", "agent b, key x")
            .Write("b:c", "d", "agent b:c, key d")
            .Write("b:x", "y", "agent b:x, key y")
            .Write("bb", "a", "agent bb, key a")
            .Write("a", "z", "agent a, key z"));

        var b = await client.ListKeysAsync("b", ct: Ct).ToListAsync(Ct);
        var bx = await client.ListKeysAsync("b:x", ct: Ct).ToListAsync(Ct);
        var scanB = await client.ScanPrefixAsync<string>("b", "", ct: Ct).ToListAsync(Ct);
        var collisionA = await client.GetStateAsync<string>("b", "c:d", ct: Ct);
        var collisionB = await client.GetStateAsync<string>("b:c", "d", ct: Ct);

        Assert.Equal(["c:d", "x"], b);
        Assert.Equal(["y"], bx);
        Assert.Equal(["agent b, key c:d", "agent b, key x"], scanB.Select(e => e.State.Value));
        Assert.Equal("agent b, key c:d", collisionA.Value);
        Assert.Equal("agent b:c, key d", collisionB.Value);
        Assert.Empty(await client.ListKeysAsync("b:c:d", ct: Ct).ToListAsync(Ct));
    }
}
