using Spectre.Console;
using Statehouse.Bench.Results;

namespace Statehouse.Bench.Report;

/// <summary>The results as a table on stdout.</summary>
internal static class ResultTable
{
    /// <summary>Wide enough for every column when the output goes to a file or a pipe (no terminal width to go by).</summary>
    private const int RedirectedWidth = 200;

    public static void Write(BenchRun run)
    {
        FitRedirectedOutput();
        var table = new Table().Border(TableBorder.Rounded).Title($"C={run.Shape.Clients} I={run.Shape.InFlight} O={run.Shape.Operations} V={run.Shape.ValueBytes} B, {run.DurationSeconds:0} s per mode");
        foreach (var column in new[] { "mode", "tx/s", "p50 ms", "p95 ms", "p99 ms", "p99.9 ms", "max ms", "server CPU", "broker CPU", "bench CPU", "machine", "server peak RSS MB", "tx/fsync", "fsyncs/s", "errors" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        table.Columns[0].LeftAligned();
        foreach (var m in run.Modes)
        {
            table.AddRow(
                Markup.Escape(m.Mode),
                Format.Rate(m.TxPerSecond),
                Format.Ms(m.Latency.P50Ms),
                Format.Ms(m.Latency.P95Ms),
                Format.Ms(m.Latency.P99Ms),
                Format.Ms(m.Latency.P999Ms),
                Format.Ms(m.Latency.MaxMs),
                Format.Percent(m.Server?.PercentOfOneCore),
                Format.Percent(m.Broker?.PercentOfOneCore),
                Format.Percent(m.Bench.PercentOfOneCore),
                Format.Percent(m.MachineBusyPercent),
                Format.Mb(m.ServerPeakRssBytes),
                Format.Number(m.TxPerSyncedWrite),
                Format.Number(m.FsyncsPerSecond, "0"),
                m.Errors == 0 ? "0" : $"[red]{m.Errors}[/]");
        }

        AnsiConsole.Write(table);
        AnsiConsole.WriteLine("CPU: 100 % = one core busy for the whole window; machine: share of all cores busy.");
        var r = Ratios.From(run);
        AnsiConsole.WriteLine($"Ratios: commit/echo {Format.Ratio(r.CommitOverEcho)}, group/batch-1 {Format.Ratio(r.GroupOverBatch1)}, " +
            $"commit/postgres {Format.Ratio(r.CommitOverPostgres)}, half-load p99 commit/echo {Format.Ratio(r.HalfLoadP99CommitOverEcho)}");
        foreach (var m in run.Modes.Where(m => m.FirstError is not null))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{m.Mode}: first error: {m.FirstError}[/]");
        }
    }

    public static void Write(RssRun rss)
    {
        FitRedirectedOutput();
        var table = new Table().Border(TableBorder.Rounded).Title($"Worker memory, {Format.Count(rss.Transactions)} transactions");
        table.AddColumn("figure");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("throughput", $"{Format.Rate(rss.TxPerSecond)} tx/s over {rss.Seconds:0} s");
        table.AddRow("p99 latency", $"{Format.Ms(rss.Latency.P99Ms)} ms");
        table.AddRow("RSS at start (ready, idle)", $"{Format.Mb(rss.StartRssBytes)} MB");
        table.AddRow("RSS at 10–20 % of the run", $"{Format.Mb(rss.EarlyRssBytes)} MB");
        table.AddRow("RSS in the last 10 %", $"{Format.Mb(rss.LateRssBytes)} MB");
        table.AddRow("RSS at the end", $"{Format.Mb(rss.EndRssBytes)} MB");
        table.AddRow("peak RSS (VmHWM)", $"{Format.Mb(rss.PeakRssBytes)} MB");
        table.AddRow("trend after 10 %", $"{Format.Number(rss.SlopeBytesPer100kTx / 1048576.0, "0.00")} MB per 100k tx");
        table.AddRow("store on disk at the end", $"{Format.Mb(rss.StoreBytes)} MB");
        table.AddRow("flat", rss.Flat ? "yes" : "[red]no[/]");
        table.AddRow("errors", Format.Count(rss.Errors));
        AnsiConsole.Write(table);
    }

    private static void FitRedirectedOutput()
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = RedirectedWidth;
        }
    }
}
