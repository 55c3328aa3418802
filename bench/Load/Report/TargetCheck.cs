using Statehouse.Bench.Results;

namespace Statehouse.Bench.Report;

/// <summary>One target of issue 4, judged from a run: met, not met, or not measured here (<see cref="Met"/> null).</summary>
internal sealed record TargetCheck(string Target, string Figure, bool? Met)
{
    public const double CommitOverEcho = 0.9;
    public const double GroupOverBatch1 = 3.0;
    public const double HalfLoadP99OverEcho = 2.0;
    public const double CommitOverPostgres = 1.0;
    public const long PeakRssLimitBytes = 200L << 20;
    public const long RssTargetCount = 1_000_000;

    public string Verdict => Met switch
    {
        true => "met",
        false => "not met",
        null => "not measured here",
    };

    public static IReadOnlyList<TargetCheck> Evaluate(BenchRun run, RssRun? rss)
    {
        var ratios = Ratios.From(run);
        var checks = new List<TargetCheck>
        {
            Ratio($"commit (group) ≥ {CommitOverEcho:0.0} × echo throughput at C={run.Shape.Clients}, I={run.Shape.InFlight}",
                ratios.CommitOverEcho, CommitOverEcho, higherIsBetter: true, "commit/echo"),
            Ratio($"group commit ≥ {GroupOverBatch1:0} × batch-size-1 throughput", ratios.GroupOverBatch1, GroupOverBatch1, higherIsBetter: true, "group/batch-1"),
            Ratio($"commit p99 at half of its maximum load ≤ {HalfLoadP99OverEcho:0} × echo p99 at the same load",
                ratios.HalfLoadP99CommitOverEcho, HalfLoadP99OverEcho, higherIsBetter: false, "p99 commit/echo at half load"),
            Ratio($"commit throughput ≥ {CommitOverPostgres:0.0} × PostgreSQL on the same transaction shape and concurrency",
                ratios.CommitOverPostgres, CommitOverPostgres, higherIsBetter: true, "commit/postgres"),
        };

        const string rssTarget = "worker peak RSS ≤ 200 MB during a 1,000,000-transaction run, and flat";
        if (rss is null)
        {
            var peak = run.Find(ModeNames.Commit)?.ServerPeakRssBytes;
            checks.Add(new TargetCheck(rssTarget,
                peak is null ? "no memory check in this report" : $"no memory check in this report; peak RSS {Format.Mb(peak)} MB in the {run.DurationSeconds:0} s commit run",
                null));
        }
        else
        {
            var under = rss.PeakRssBytes <= PeakRssLimitBytes;
            var counted = rss.Count >= RssTargetCount ? "" : $" (run with {Format.Count(rss.Count)} transactions, not {Format.Count(RssTargetCount)})";
            checks.Add(new TargetCheck(rssTarget,
                $"peak {Format.Mb(rss.PeakRssBytes)} MB; {Format.Mb(rss.EarlyRssBytes)} MB at 10–20 % of the run, {Format.Mb(rss.LateRssBytes)} MB in the last 10 % " +
                $"({(rss.Flat ? "flat" : "growing")}){counted}",
                under && rss.Flat));
        }

        checks.Add(new TargetCheck("one agent's replay of ~1,000 events ≤ 50 ms in a store of 1,000,000 transactions",
            "measured by the storage micro-benchmark, not by this load tool", null));
        return checks;
    }

    private static TargetCheck Ratio(string target, double? ratio, double limit, bool higherIsBetter, string name) =>
        ratio is not { } r
            ? new TargetCheck(target, $"{name}: mode not in this run", null)
            : new TargetCheck(target, $"{name} = {Format.Ratio(r)}", higherIsBetter ? r >= limit : r <= limit);
}
