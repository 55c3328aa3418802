using System.Text.Json.Nodes;
using MessagePack;
using Statehouse.Cli.Tests.Infrastructure;
using Statehouse.Client;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

/// <summary>
/// <c>dump</c> as JSON lines and <c>import</c>, through a real broker and worker: the round trip keeps every value byte
/// for byte, an import killed midway completes on a re-run without writing anything twice, and bad input is refused.
/// </summary>
public sealed class DumpImportTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    private const string Copy = "copy";

    private StatehouseClient? _client;

    [Fact]
    public async Task Import_DumpOfNamespace_RoundTripKeepsEveryValueByteForByte()
    {
        var client = await ClientAsync();
        await SeedAwkwardValuesAsync(client);
        var source = Path.Combine(DataDirectory, "source.jsonl");
        var again = Path.Combine(DataDirectory, "again.jsonl");

        var dumped = (await RunAsync("dump", "-o", source, "--json")).ExpectExit(0).Json();
        var imported = (await RunAsync("import", source, "--namespace", Copy, "--batch", "3", "--json")).ExpectExit(0).Json();
        (await RunAsync("dump", "-o", again, "--namespace", Copy)).ExpectExit(0);

        var expected = await LiveState.ReadAsync(client, "default");
        var copied = await LiveState.ReadAsync(client, Copy);
        expected.AssertSameValues(copied);
        Assert.All(copied.Records.Values, r => Assert.Equal(1, r.Version));
        Assert.Equal(13, expected.Records.Count);
        Assert.Equal(expected.Records.Count, (long?)dumped["records"]);
        Assert.Equal(4, (long?)dumped["agents"]);
        Assert.Equal(expected.Records.Count, (long?)imported["committed"]);
        Assert.Equal(0, (long?)imported["skipped"]);
        Assert.Equal((expected.Records.Count + 2) / 3, (long?)imported["transactions_committed"]);

        // The second dump holds the same records with the same encoded values; only versions and commit_ts differ.
        var first = await File.ReadAllLinesAsync(source);
        var second = await File.ReadAllLinesAsync(again);
        Assert.Equal("default", (string?)JsonNode.Parse(first[0])!["namespace"]);
        Assert.Equal(Copy, (string?)JsonNode.Parse(second[0])!["namespace"]);
        Assert.Equal(first.Skip(1).Select(WithoutVersions), second.Skip(1).Select(WithoutVersions));

        // JSON where JSON keeps the bytes, base64 of the MessagePack bytes where it would not.
        var lines = first.Skip(1).Select(l => JsonNode.Parse(l)!.AsObject()).ToDictionary(l => ((string)l["agent"]!, (string)l["key"]!));
        Assert.Equal("t7", (string?)lines[("planner", "map")]["value"]!["tag"]);
        Assert.Null(lines[("planner", "map")]["value_msgpack"]);
        Assert.Equal(Convert.ToBase64String(MessagePackSerializer.Serialize(new byte[] { 0, 1, 2, 255 })), (string?)lines[("planner", "binary")]["value_msgpack"]);
        Assert.Null(lines[("planner", "binary")]["value"]);
        Assert.True(lines[("planner", "nil")].ContainsKey("value"));
        Assert.Null(lines[("planner", "nil")]["value"]);

        // A boxed int is written as int32 (d2 00 00 00 07): JSON would give it back as a fixint, so the bytes go as base64.
        Assert.NotNull(lines[("planner", "boxed")]["value_msgpack"]);
        Assert.Equal("""{"n":7,"tag":"t7"}""", (string?)lines[("planner", "boxed")]["value_text"]);
        Assert.False(lines.ContainsKey(("planner", "deleted")));
        Assert.DoesNotContain(lines.Keys, k => k.Item1 == "emptied");
    }

    [Fact]
    public async Task Import_KilledMidway_RerunCompletesWithEveryRecordWrittenOnce()
    {
        const int Records = 300;
        var client = await ClientAsync();
        foreach (var agent in new[] { "a1", "a2", "a3" })
        {
            for (var chunk = 0; chunk < 2; chunk++)
            {
                await using var tx = client.BeginTransaction();
                for (var i = chunk * 50; i < (chunk + 1) * 50; i++)
                {
                    tx.Write(agent, $"k{i:D3}", new Dictionary<string, object> { ["i"] = i, ["agent"] = agent });
                }

                await tx.CommitAsync();
            }
        }

        var file = Path.Combine(DataDirectory, "dump.jsonl");
        (await RunAsync("dump", "-o", file)).ExpectExit(0);

        // One record per transaction: 300 transactions, far longer than the first progress line takes.
        var import = StartCli("import", file, "--namespace", Copy, "--batch", "1");
        await import.WaitForLineAsync($"importing into namespace '{Copy}': ", Patience);
        await import.KillAsync();
        Assert.True(import.KillRequested);
        var before = (await LiveState.ReadAsync(client, Copy)).Records.Count;
        Assert.InRange(before, 1, Records - 1);

        var rerun = (await RunAsync("import", file, "--namespace", Copy, "--batch", "1", "--json")).ExpectExit(0).Json();

        Assert.Equal(Records, (long?)rerun["records"]);
        Assert.Equal(Records, (long)rerun["committed"]! + (long)rerun["skipped"]!);
        Assert.True((long)rerun["skipped"]! >= before, $"skipped {rerun["skipped"]}, but {before} records were there before the re-run");
        Assert.True((long)rerun["transactions_skipped"]! >= 1);
        var expected = await LiveState.ReadAsync(client, "default");
        var copied = await LiveState.ReadAsync(client, Copy);
        expected.AssertSameValues(copied);
        Assert.All(copied.Records.Values, r => Assert.Equal(1, r.Version));
        Assert.All(copied.Writes, w => Assert.Equal(1, w.Value));
    }

    [Fact]
    public async Task Import_AgainWithOtherBatches_CountsEqualRecordsAsImportedAndRefusesAChangedValue()
    {
        var client = await ClientAsync();
        await using (var tx = client.BeginTransaction())
        {
            for (var i = 0; i < 20; i++)
            {
                tx.Write("agent", $"k{i:D2}", $"value {i}");
            }

            await tx.CommitAsync();
        }

        var file = Path.Combine(DataDirectory, "dump.jsonl");
        (await RunAsync("dump", "-o", file)).ExpectExit(0);
        (await RunAsync("import", file, "--namespace", Copy, "--batch", "10")).ExpectExit(0);

        // Other batches, other txn_ids: the worker's inbox does not know them, so every transaction conflicts.
        var again = (await RunAsync("import", file, "--namespace", Copy, "--batch", "7", "--json")).ExpectExit(0);
        Assert.Equal(0, (long?)again.Json()["committed"]);
        Assert.Equal(20, (long?)again.Json()["skipped"]);
        Assert.Equal(20, (long?)again.Json()["already_present"]);
        Assert.Contains("lines 2-8: 7 of 7 records exist already with the same values (imported before): skipped", again.Stderr);

        var lines = await File.ReadAllLinesAsync(file);
        lines[12] = lines[12].Replace("\"value 11\"", "\"changed\"", StringComparison.Ordinal);
        var changed = Path.Combine(DataDirectory, "changed.jsonl");
        await File.WriteAllLinesAsync(changed, lines);

        var refused = (await RunAsync("import", changed, "--namespace", Copy, "--batch", "7")).ExpectExit(4);
        Assert.Contains("line 13: agent 'agent' key 'k11' exists already in namespace 'copy' (version 1", refused.Stderr);
        Assert.Contains("with a different value; an import never overwrites", refused.Stderr);
        (await LiveState.ReadAsync(client, "default")).AssertSameValues(await LiveState.ReadAsync(client, Copy));
    }

    [Fact]
    public async Task Import_FromAPipe_ExitsTwoAskingForAFileAndWritesNothing()
    {
        var result = (await RunWithInputAsync("{\"agent\": \"a\", \"key\": \"k\", \"value\": 1}\n", "import", "/dev/stdin", "--namespace", Copy)).ExpectExit(2);

        Assert.Contains("/dev/stdin is not a regular file (a pipe?)", result.Stderr);
        Assert.DoesNotContain("changed while it was imported", result.Stderr);
        Assert.Empty(await (await ClientAsync()).ListAgentsAsync(@namespace: Copy).ToListAsync());
    }

    [Fact]
    public async Task Import_WorkerStopsAnswering_ExitsThreeSayingToRerunAndTheRerunCompletes()
    {
        const int Records = 200;
        var file = Path.Combine(DataDirectory, "many.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, Records).Select(i => $$"""{"agent": "a", "key": "k{{i:D3}}", "value": {{i}}}"""));

        // One record per transaction: far more transactions than pass before the worker is paused.
        var import = StartCli("import", file, "--namespace", Copy, "--batch", "1", "--timeout", "2");
        await import.WaitForLineAsync($"importing into namespace '{Copy}': ", Patience);
        await Worker.PauseAsync();
        var exit = await import.WaitForExitAsync(Patience);
        await Worker.ResumeAsync();

        Assert.True(exit == 3, import.Output);
        Assert.Contains("is unknown until its deadline", import.Stderr);
        Assert.Contains("run the same import again: it resumes", import.Stderr);
        Assert.DoesNotContain("refused", import.Stderr);
        var rerun = (await RunAsync("import", file, "--namespace", Copy, "--batch", "1", "--json")).ExpectExit(0).Json();
        Assert.Equal(Records, (long)rerun["committed"]! + (long)rerun["skipped"]!);
        var copied = await LiveState.ReadAsync(await ClientAsync(), Copy);
        Assert.Equal(Records, copied.Records.Count);
        Assert.All(copied.Records.Values, r => Assert.Equal(1, r.Version));
        Assert.All(copied.Writes, w => Assert.Equal(1, w.Value));
    }

    [Theory]
    [InlineData("not json", "line 4: it is not valid JSON (at byte offset 1)")]
    [InlineData("[1, 2]", "line 4: it is not a JSON object")]
    [InlineData("""{"agent": "a", "value": 1}""", "line 4: \"key\" is missing or not a non-empty string")]
    [InlineData("""{"agent": "a", "key": "k"}""", "line 4: it has neither \"value\" nor \"value_msgpack\"")]
    [InlineData("""{"agent": "a", "key": "k", "value_msgpack": "!!"}""", "line 4: \"value_msgpack\" is not base64")]
    [InlineData("""{"agent": "a", "key": "k", "value_msgpack": "kw=="}""", "line 4: \"value_msgpack\" does not hold exactly one MessagePack value")]
    [InlineData("""{"agent": "a", "key": "one", "value": 3}""", "line 4: agent 'a' key 'one' is on line 2 already")]
    [InlineData("""{"agent": "a", "key": "k", "key": "k2", "value": 1}""", "line 4: it has the property \"key\" twice")]
    [InlineData("""{"agent": "a", "key": "k", "value": 123456789012345678901234567890}""",
        "line 4: \"value\" cannot be converted to MessagePack: the number 123456789012345678901234567890 fits neither a 64-bit integer")]
    [InlineData("""{"agent": "a", "key": "k", "value": {"n": [18446744073709551616]}}""",
        "line 4: \"value\" cannot be converted to MessagePack: the number 18446744073709551616 fits neither")]
    [InlineData("""{"agent": "a", "key": "k", "value": 1e400}""", "line 4: \"value\" cannot be converted to MessagePack: the number 1e400 fits neither")]
    public async Task Import_BadLine_FailsNamingTheLineAndWritesNothing(string bad, string message)
    {
        var file = Path.Combine(DataDirectory, "bad.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            """{"statehouse_dump": 1, "namespace": "default", "last_commit_ts": 0}""",
            """{"agent": "a", "key": "one", "value": 1}""",
            """{"agent": "a", "key": "two", "value": {"x": [1, 2]}}""",
            bad,
            """{"agent": "b", "key": "three", "value": "3"}""",
        ]);

        var result = (await RunAsync("import", file, "--namespace", Copy)).ExpectExit(2);

        Assert.Contains($"{file}, {message}", result.Stderr);
        var client = await ClientAsync();
        Assert.Empty(await client.ListAgentsAsync(@namespace: Copy).ToListAsync());
    }

    [Fact]
    public async Task Dump_EveryAgentAsATable_IsAUsageError()
    {
        var result = (await RunAsync("dump", "--format", "text")).ExpectExit(2);
        Assert.Contains("A dump of every agent is JSON lines (--format jsonl); give AGENT for --format text.", result.Stderr);
    }

    public override async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private async Task<StatehouseClient> ClientAsync() =>
        _client ??= await StatehouseClient.ConnectAsync(new StatehouseClientOptions { Uri = Broker.BrokerUri, QueuePrefix = Prefix });

    /// <summary>Values JSON carries and values it does not, over agents and keys the key codec escapes; a deleted key and an emptied agent.</summary>
    private static async Task SeedAwkwardValuesAsync(StatehouseClient client)
    {
        var timestamp = MessagePackSerializer.Serialize(new DateTime(2026, 11, 30, 6, 0, 0, DateTimeKind.Utc));
        await using (var tx = client.BeginTransaction())
        {
            tx.WriteRaw("planner", "map", MessagePackSerializer.ConvertFromJson("""{"n": 7, "tag": "t7", "list": [1, "two", 3.5, true, null]}"""))
                .Write("planner", "boxed", new Dictionary<string, object> { ["n"] = 7, ["tag"] = "t7" })
                .Write("planner", "binary", new byte[] { 0, 1, 2, 255 })
                .Write("planner", "float32", 1.5f)
                .Write("planner", "float64", 0.1)
                .Write("planner", "unicode", "héllo ✓ 😀")
                .Write("planner", "int-keys", new Dictionary<int, string> { [1] = "a", [2] = "b" })
                .WriteRaw("planner", "nil", new byte[] { 0xC0 })
                .WriteRaw("planner", "wide-int", new byte[] { 0xD2, 0, 0, 0, 5 })
                .WriteRaw("planner", "timestamp", timestamp)
                .Write("planner", "deleted", "soon gone")
                .Write("b:c", "key\0with zero", "z")
                .Write("b\0", "k", new[] { 1, 2, 3 })
                .Write("emptied", "only", 1)
                .Write("z-last", new string('x', 300), new string('y', 100_000));
            await tx.CommitAsync();
        }

        await using var deletes = client.BeginTransaction();
        await deletes.Delete("planner", "deleted").Delete("emptied", "only").CommitAsync();
    }

    private static string WithoutVersions(string line)
    {
        var json = JsonNode.Parse(line)!.AsObject();
        json.Remove("version");
        json.Remove("commit_ts");
        return json.ToJsonString();
    }
}
