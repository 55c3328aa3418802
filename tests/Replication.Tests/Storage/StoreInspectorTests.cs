using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Statehouse.Replication.Tests.Storage;

/// <summary>
/// StoreInspector on stores made by real worker runs (the single broker, replication off): it must read back exactly
/// the commits the worker acknowledged, and its digests must tell a copy of a store (equal) from a store with one more
/// commit (different).
/// </summary>
public sealed partial class StoreInspectorTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task Read_StoreOfAStoppedWorker_GivesEveryCommitInOrderWithItsTxnIdAndTheStoreId()
    {
        var client = await StartWorkerAndClientAsync();
        var committed = new List<(string TxnId, long CommitTs)>();
        for (var i = 1; i <= 5; i++)
        {
            var result = await CommitAsync(client, tx => tx.Write("a", $"k{i}", i).Write(i % 2 == 0 ? "b" : "a", "shared", i));
            committed.Add((result.TxnId, result.CommitTs));
        }

        Assert.Equal(0, await Scope.Worker.StopAsync());
        var contents = StoreInspector.Read(Scope.DataDirectory);

        Output.WriteLine(contents.DescribeDigests());
        Assert.Equal(committed, contents.Log.Select(c => (c.TxnId, c.CommitTs)));
        Assert.All(contents.Log, c => Assert.Equal(("default", 2), (c.Namespace, c.Operations)));
        Assert.Equal(5, contents.LastCommitTs);
        Assert.Equal(Guid.Parse(StoreIdLogged().Match(Scope.Worker.Log).Groups["id"].Value), contents.StoreId);
        Assert.Empty(contents.LogViolations());
        Assert.Equal(StoreInspector.DigestedFamilies.Order(StringComparer.Ordinal), contents.Digests.Keys.Order(StringComparer.Ordinal));
        Assert.All(contents.Digests.Values, d => Assert.True(d.Entries > 0, $"{d.Family} is empty"));
        // a/k1..k5, a/shared, b/shared; every write of them; one entry per agent a transaction touched.
        Assert.Equal(7, contents.Digests["state"].Entries);
        Assert.Equal(10, contents.Digests["history"].Entries);
        Assert.Equal(7, contents.Digests["agent_log"].Entries);
        Assert.Equal(5, contents.Digests["inbox"].Entries);
    }

    [Fact]
    public async Task Read_CopyOfAStoreAndTheStoreAfterOneMoreCommit_SameDigestsThenDifferentOnes()
    {
        var client = await StartWorkerAndClientAsync();
        for (var i = 1; i <= 3; i++)
        {
            await CommitAsync(client, tx => tx.Write("a", $"k{i}", i));
        }

        Assert.Equal(0, await Scope.Worker.StopAsync());
        var copy = Scope.OtherDataDirectory("copy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(Scope.DataDirectory))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var original = StoreInspector.Read(Scope.DataDirectory);
        var copied = StoreInspector.Read(copy);
        Assert.Equal(original.Digests, copied.Digests);

        await Scope.StartWorkerAsync();
        await CommitAsync(client, tx => tx.Write("a", "k4", 4));
        Assert.Equal(0, await Scope.Worker.StopAsync());
        var after = StoreInspector.Read(Scope.DataDirectory);

        Output.WriteLine($"before: {original.DescribeDigests()}\nafter:  {after.DescribeDigests()}");
        Assert.All(StoreInspector.DigestedFamilies, family => Assert.NotEqual(original.Digests[family], after.Digests[family]));
        Assert.Equal(4, after.Log.Count);
        Assert.Empty(after.LogViolations());
    }

    [Fact]
    public void Read_DirectoryWithoutAStore_FailsNamingIt()
    {
        var empty = Scope.OtherDataDirectory("nothing");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<InvalidOperationException>(() => StoreInspector.Read(empty));

        Assert.Contains(empty, error.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"store id (?<id>[0-9a-f-]{36})")]
    private static partial Regex StoreIdLogged();
}
