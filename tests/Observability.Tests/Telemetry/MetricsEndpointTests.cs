using Statehouse.Observability.Tests.Infrastructure;

namespace Statehouse.Observability.Tests.Telemetry;

[Collection(CommittedWorkerCollection.Name)]
public sealed class MetricsEndpointTests(CommittedWorkerFixture fixture)
{
    private const string ErrorCode = "statehouse_error_code";

    [Fact]
    public async Task Scrape_AfterCommitsConflictAndDuplicate_CountsEachOutcome()
    {
        // Five messages in all; the histograms are recorded just after the replies went out, so wait for the last one.
        var scrape = await fixture.Monitoring.ScrapeUntilAsync(s => s.Value("statehouse_commit_batch_size_sum") == 5, "all five messages in batches");

        Assert.Equal(3, scrape.Required("statehouse_commits_total"));
        Assert.Equal(1, scrape.Required("statehouse_commit_rejected_total", (ErrorCode, "CONFLICT")));
        Assert.Equal(1, scrape.Sum("statehouse_commit_rejected_total"));
        Assert.Equal(1, scrape.Required("statehouse_commit_duplicates_total"));
        Assert.Null(scrape.Value("statehouse_dead_letters_total"));

        var groups = scrape.Required("statehouse_commit_batch_size_count");
        Assert.InRange(groups, 1, 5);
        Assert.Equal(groups, scrape.Required("statehouse_commit_duration_seconds_count"));
        Assert.True(scrape.Required("statehouse_commit_duration_seconds_sum") > 0);

        // Every synced write of the store is timed: the worker's own count of them (the stats read) must match.
        Assert.Equal(fixture.Stats.SyncedWrites, scrape.Required("statehouse_storage_sync_duration_seconds_count"));
        Assert.True(scrape.Required("statehouse_storage_sync_duration_seconds_sum") > 0);
        Assert.Equal(scrape.Required("statehouse_storage_sync_duration_seconds_count"),
            scrape.Required("statehouse_storage_sync_duration_seconds_bucket", ("le", "+Inf")));

        Assert.Equal(fixture.Commits[^1].CommitTs, scrape.Required("statehouse_last_commit_ts"));
        Assert.Equal(3, scrape.Required("statehouse_last_commit_ts"));

        // The state read and the stats read, both answered OK.
        Assert.Equal(2, scrape.Required("statehouse_reads_total", (ErrorCode, "OK")));
    }

    [Fact]
    public async Task Scrape_Always_DescribesEachInstrumentWithTypeAndUnit()
    {
        var scrape = await fixture.Monitoring.ScrapeAsync();

        Assert.Contains("# TYPE statehouse_commits_total counter", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE statehouse_storage_sync_duration_seconds histogram", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE statehouse_commit_duration_seconds histogram", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE statehouse_last_commit_ts gauge", scrape.Text, StringComparison.Ordinal);
        // Second-based buckets, not the exporter's millisecond defaults.
        Assert.NotNull(scrape.Value("statehouse_storage_sync_duration_seconds_bucket", ("le", "0.001")));
    }
}
