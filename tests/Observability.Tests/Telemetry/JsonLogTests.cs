using System.Text.Json;
using Statehouse.Observability.Tests.Infrastructure;

namespace Statehouse.Observability.Tests.Telemetry;

/// <summary>The fixture's worker runs with <c>Logging:Console:FormatterName=json</c> and Statehouse.Worker at Debug.</summary>
[Collection(CommittedWorkerCollection.Name)]
public sealed class JsonLogTests(CommittedWorkerFixture fixture)
{
    [Fact]
    public void Logs_JsonFormatter_EveryLineIsOneJsonObjectWithAUtcTimestamp()
    {
        Assert.All(fixture.Worker.Lines, line =>
        {
            var root = JsonDocument.Parse(line).RootElement;
            Assert.Equal(JsonValueKind.Object, root.ValueKind);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", root.GetProperty("Timestamp").GetString());
        });
    }

    [Fact]
    public void Logs_AtDebug_CarryTxnIdAndCommitTsOfEveryCommit()
    {
        var entries = Entries();

        foreach (var commit in fixture.Commits)
        {
            Assert.Contains(entries, e => e.Level == "Debug" && e.TxnId == commit.TxnId && e.CommitTs == commit.CommitTs);
        }

        Assert.Contains(entries, e => e.Level == "Debug" && e.TxnId == fixture.ConflictTxnId && e.State.GetProperty("ErrorCode").GetString() == "CONFLICT");
        Assert.Contains(entries, e => e.Level == "Debug" && e.TxnId == fixture.Duplicate.TxnId && e.CommitTs == fixture.Commits[0].CommitTs
            && e.State.GetProperty("{OriginalFormat}").GetString()!.StartsWith("Duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public void Logs_AtInformation_NameNoSingleTransaction()
    {
        var txnIds = fixture.Commits.Select(c => c.TxnId).Append(fixture.ConflictTxnId).ToList();

        var perTransaction = Entries().Where(e => e.Level != "Debug" && e.Level != "Trace" && txnIds.Any(id => e.Line.Contains(id, StringComparison.Ordinal)));

        Assert.Empty(perTransaction);
    }

    private List<LogEntry> Entries() => [.. fixture.Worker.Lines.Select(line =>
    {
        var root = JsonDocument.Parse(line).RootElement.Clone();
        var state = root.TryGetProperty("State", out var s) ? s : default;
        return new LogEntry(line, root.GetProperty("LogLevel").GetString()!, state,
            state.ValueKind == JsonValueKind.Object && state.TryGetProperty("TxnId", out var txn) ? txn.GetString() : null,
            state.ValueKind == JsonValueKind.Object && state.TryGetProperty("CommitTs", out var ts) ? ts.GetInt64() : null);
    })];

    private sealed record LogEntry(string Line, string Level, JsonElement State, string? TxnId, long? CommitTs);
}
