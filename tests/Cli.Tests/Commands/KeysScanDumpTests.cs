using System.Globalization;
using System.Text.Json.Nodes;
using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

/// <summary>Listing commands over more keys than one page holds (the worker's pages are capped at 40 here).</summary>
public sealed class KeysScanDumpTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    private const int Count = 130;

    protected override IEnumerable<string> WorkerSettings => ["--Statehouse:Reads:MaxPageSize=40", "--Statehouse:Reads:DefaultPageSize=40"];

    [Fact]
    public async Task Keys_MorePagesThanOne_ListsEveryKeyInOrder()
    {
        var expected = await CommitManyAsync();

        var json = (await RunAsync("keys", "agent-a", "--json")).ExpectExit(0).Json().AsArray().Select(k => (string)k!).ToList();
        Assert.Equal(expected, json);

        var human = (await RunAsync("keys", "agent-a")).ExpectExit(0);
        Assert.Equal(["KEY", .. expected], human.Lines);
    }

    [Fact]
    public async Task Keys_Prefix_ListsOnlyMatchingKeys()
    {
        await CommitManyAsync();

        // The queue prefix goes before the command; after it, --prefix is the key prefix.
        var json = (await RunAsync("keys", "agent-a", "--prefix", "item:01", "--json")).ExpectExit(0).Json().AsArray().Select(k => (string?)k);
        Assert.Equal(Enumerable.Range(10, 10).Select(Key), json);
        Assert.Equal("[]", (await RunAsync("keys", "agent-b", "--json")).ExpectExit(0).Json().ToJsonString());
    }

    [Fact]
    public async Task Scan_Prefix_ShowsRecordsWithValues()
    {
        await CommitManyAsync();
        await RunAsync("delete", "agent-a", Key(101));

        var json = (await RunAsync("scan", "agent-a", "item:10", "--json")).ExpectExit(0).Json().AsArray();
        Assert.Equal(new[] { Key(100), Key(102), Key(103), Key(104), Key(105), Key(106), Key(107), Key(108), Key(109) }, json.Select(r => (string?)r!["key"]));
        Assert.All(json, r => Assert.Equal(int.Parse(((string)r!["key"]!)[5..], CultureInfo.InvariantCulture), (int?)r["value"]!["n"]));

        var human = (await RunAsync("scan", "agent-a", "item:000")).ExpectExit(0);
        Assert.Equal(2, human.Lines.Count);
        Assert.Equal(["KEY", "VERSION", "COMMIT_TS", "VALUE"], human.Lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["item:000", "1", "1", """{"n":0,"tag":"t0"}"""], human.Lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Dump_ToFile_WritesEveryRecordAsJson()
    {
        var expected = await CommitManyAsync();
        var file = Path.Combine(DataDirectory, "dump.json");

        var result = (await RunAsync("dump", "agent-a", "-o", file, "--format", "json")).ExpectExit(0);
        Assert.Equal("", result.Stdout);
        Assert.Contains($"wrote {Count} records", result.Stderr);

        var dump = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
        Assert.Equal("agent-a", (string?)dump["agent"]);
        Assert.Equal("default", (string?)dump["namespace"]);
        var records = dump["records"]!.AsArray();
        Assert.Equal(expected, records.Select(r => (string?)r!["key"]));
        Assert.All(records, r => Assert.Equal(1, (long?)r!["version"]));
        Assert.Equal("t7", (string?)records[7]!["value"]!["tag"]);
    }

    [Theory]
    [InlineData("dump.json", true)]
    [InlineData("dump.txt", false)]
    public async Task Dump_OutputWithoutFormat_TakesTheFormatFromTheExtension(string name, bool json)
    {
        await CommitManyAsync();
        var file = Path.Combine(DataDirectory, name);

        (await RunAsync("dump", "agent-a", "-o", file)).ExpectExit(0);

        var text = await File.ReadAllTextAsync(file);
        Assert.Equal(json, text.StartsWith('{'));
        if (json)
        {
            Assert.Equal(Count, JsonNode.Parse(text)!["records"]!.AsArray().Count);
        }
        else
        {
            Assert.StartsWith("KEY", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Dump_Text_IsATableOfEveryRecord()
    {
        var expected = await CommitManyAsync();
        var text = (await RunAsync("dump", "agent-a")).ExpectExit(0);
        Assert.Equal(Count + 1, text.Lines.Count);
        Assert.Equal(expected, text.Lines.Skip(1).Select(l => l.Split(' ')[0]));

        var json = (await RunAsync("dump", "agent-a", "--json")).ExpectExit(0).Json();
        Assert.Equal(Count, json["records"]!.AsArray().Count);
    }

    private static string Key(int i) => $"item:{i:000}";

    /// <summary>One transaction writing <see cref="Count"/> keys of agent-a (and one of agent-b's neighbour agent-aa).</summary>
    private async Task<List<string>> CommitManyAsync()
    {
        var operations = new JsonArray();
        foreach (var i in Enumerable.Range(0, Count))
        {
            operations.Add(new JsonObject { ["op"] = "write", ["agent"] = "agent-a", ["key"] = Key(i), ["value"] = new JsonObject { ["n"] = i, ["tag"] = $"t{i}" } });
        }

        operations.Add(new JsonObject { ["op"] = "write", ["agent"] = "agent-aa", ["key"] = Key(0), ["value"] = "not agent-a's" });
        var file = Path.Combine(DataDirectory, "many.json");
        await File.WriteAllTextAsync(file, new JsonObject { ["operations"] = operations }.ToJsonString());
        (await RunAsync("commit", file)).ExpectExit(0);
        return Enumerable.Range(0, Count).Select(Key).ToList();
    }
}
