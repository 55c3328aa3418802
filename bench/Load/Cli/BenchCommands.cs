using System.CommandLine;
using System.Globalization;
using Statehouse.Bench.Echo;
using Statehouse.Bench.Load;
using Statehouse.Bench.Modes;
using Statehouse.Bench.Output;
using Statehouse.Bench.Processes;
using Statehouse.Bench.Report;
using Statehouse.Bench.Results;
using Statehouse.Bench.Rss;
using Statehouse.Bench.Storage;
using Statehouse.Contracts;

namespace Statehouse.Bench.Cli;

/// <summary>The command line: <c>run</c>, <c>rss</c>, <c>burst</c>, <c>report</c>, <c>storage</c>, and the hidden <c>echo-server</c> the run starts.</summary>
internal static class BenchCommands
{
    private static readonly Option<string> s_uri = new("--uri")
    {
        Description = "AMQP URI of the broker, or the comma-separated URIs of a cluster's nodes (the workers get them all; CPU is summed over their beam.smp)",
        DefaultValueFactory = _ => "amqp://guest:guest@127.0.0.1:5672/",
    };

    private static readonly Option<int> s_clients = new("--clients", "-c") { Description = "Client connections (C)", DefaultValueFactory = _ => 8 };
    private static readonly Option<int> s_inFlight = new("--in-flight", "-i") { Description = "Transactions in flight per client (I)", DefaultValueFactory = _ => 8 };
    private static readonly Option<int> s_ops = new("--ops", "-o") { Description = "Writes per transaction (O)", DefaultValueFactory = _ => 3 };
    private static readonly Option<int> s_valueBytes = new("--value-bytes", "-v") { Description = "Bytes per value (V)", DefaultValueFactory = _ => 200 };
    private static readonly Option<int> s_keysPerAgent = new("--keys-per-agent") { Description = "Keys each in-flight slot cycles over", DefaultValueFactory = _ => 1000 };
    private static readonly Option<double> s_seconds = new("--seconds", "-s") { Description = "Measured seconds per mode", DefaultValueFactory = _ => 30 };
    private static readonly Option<double> s_warmup = new("--warmup", "-w") { Description = "Warm-up seconds per mode, not measured", DefaultValueFactory = _ => 5 };
    private static readonly Option<int> s_prefetch = new("--prefetch") { Description = "Prefetch of the worker and the echo server", DefaultValueFactory = _ => 512 };
    private static readonly Option<int> s_maxBatch = new("--max-batch") { Description = "Group limit of the worker (Statehouse:Commit:MaxBatchCount) and the echo server", DefaultValueFactory = _ => 256 };
    private static readonly Option<string?> s_workerDll = new("--worker-dll") { Description = "Worker build to start (default: src/Worker/bin/Release/net10.0/Statehouse.Worker.dll)" };
    private static readonly Option<string?> s_postgres = new("--postgres") { Description = "Npgsql connection string for the postgres mode (scripts/postgres.sh start prints one)" };
    private static readonly Option<string?> s_json = new("--json") { Description = "Where to write the results as JSON" };

    public static RootCommand Build() =>
        new("Statehouse benchmarks: the worker under load against the broker's ceiling (an echo consumer), itself with batch size 1, and PostgreSQL; and the storage engine alone.")
        {
            RunCommand(), RssCommand(), BurstCommand(), ReportCommand(), StorageCommand.Create(), EchoServerCommand(),
        };

    private static Command RunCommand()
    {
        var modes = new Option<string>("--modes", "-m")
        {
            Description = $"Comma-separated modes, in order: {string.Join(", ", ModeNames.Known)} (default: all but {ModeNames.CommitReplicated}, which needs a cluster)",
            DefaultValueFactory = _ => string.Join(',', ModeNames.Standard),
        };
        var command = new Command("run", "Run the comparison: every mode in turn on the same broker with the same load; prints a table and writes JSON.");
        AddLoadOptions(command);
        command.Options.Add(modes);
        command.Options.Add(s_postgres);
        command.SetAction(async (parse, ct) =>
        {
            var selected = parse.GetValue(modes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return await GuardAsync(async () =>
            {
                var settings = Settings(parse);
                var json = parse.GetValue(s_json) ?? Path.Combine(settings.StateDirectory, $"bench-{settings.RunId}.json");
                // Fail before the first mode runs, not after minutes of measuring.
                if (selected.FirstOrDefault(m => !ModeNames.Known.Contains(m)) is { } unknown)
                {
                    throw new ArgumentException($"Unknown mode '{unknown}'; modes: {string.Join(", ", ModeNames.Known)}.");
                }

                if (selected.Contains(ModeNames.Postgres) && settings.PostgresConnectionString is null)
                {
                    throw new ArgumentException("The postgres mode needs --postgres CONNECTION_STRING (scripts/postgres.sh start prints one).");
                }

                if (selected.Any(m => m is ModeNames.Commit or ModeNames.CommitBatch1 or ModeNames.HalfLoad or ModeNames.CommitReplicated))
                {
                    settings.RequireWorkerBuild();
                }
                Console.WriteLine($"Statehouse bench {settings.RunId}: C={settings.Shape.Clients} I={settings.Shape.InFlight} O={settings.Shape.Operations} V={settings.Shape.ValueBytes} B, " +
                    $"{settings.Warmup.TotalSeconds:0} s warm-up + {settings.Duration.TotalSeconds:0} s per mode; modes: {string.Join(", ", selected)}");
                var machine = await BenchRunner.DescribeMachineAsync(settings, selected.Contains(ModeNames.Postgres), ct);
                BenchRun run;
                await using (var view = new ProgressView(Console.Out))
                {
                    run = await new BenchRunner(settings, view).RunAsync(selected, machine, ct);
                }

                await WriteResultsAsync(json, run, MarkdownReport.Summary(run), ct);
            });
        });
        return command;
    }

    private static Command RssCommand()
    {
        var count = new Option<long>("--count", "-n") { Description = "Transactions to commit", DefaultValueFactory = _ => 1_000_000 };
        var command = new Command("rss", "Memory check: commit a count of transactions through one worker, sampling its resident set every second.");
        AddLoadOptions(command);
        command.Options.Add(count);
        command.SetAction(async (parse, ct) =>
        {
            var total = parse.GetValue(count);
            return await GuardAsync(async () =>
            {
                var settings = Settings(parse);
                var json = parse.GetValue(s_json) ?? Path.Combine(settings.StateDirectory, $"rss-{settings.RunId}.json");
                Console.WriteLine($"Statehouse memory check {settings.RunId}: {total:N0} transactions, C={settings.Shape.Clients} I={settings.Shape.InFlight} " +
                    $"O={settings.Shape.Operations} V={settings.Shape.ValueBytes} B");
                var machine = await BenchRunner.DescribeMachineAsync(settings, withPostgres: false, ct);
                RssRun run;
                await using (var view = new ProgressView(Console.Out))
                {
                    run = await new RssCheck(settings, view).RunAsync(total, machine, ct);
                }

                await WriteResultsAsync(json, run, MarkdownReport.Summary(run), ct);
            });
        });
        return command;
    }

    private static Command BurstCommand()
    {
        var sizes = new Option<string>("--sizes") { Description = "Message sizes to try, in MiB (values of 1 MiB each)", DefaultValueFactory = _ => "1,4,8,15" };
        var queued = new Option<int>("--queued-mib") { Description = "Backlog queued per size, MiB", DefaultValueFactory = _ => 480 };
        var command = new Command("burst",
            "Backlog check: queue large transactions while no worker runs, start one, report its peak RSS (VmHWM) per message size.");
        AddLoadOptions(command);
        command.Options.Add(sizes);
        command.Options.Add(queued);
        command.SetAction(async (parse, ct) => await GuardAsync(async () =>
        {
            var settings = Settings(parse);
            var backlog = parse.GetValue(queued);
            Console.WriteLine($"Statehouse backlog check {settings.RunId}: {backlog} MiB queued per size, worker {settings.WorkerDll}");
            Console.WriteLine("| message | messages | queued | peak RSS (VmHWM) | answered | seconds |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var size in parse.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse))
            {
                var count = Math.Max(1, backlog / size);
                var (peak, seconds, answered) = await new BurstCheck(settings).RunAsync(size, count, ct);
                Console.WriteLine($"| {size} MiB | {count} | {count * size} MiB | {peak / (1 << 20)} MiB | {answered} | {seconds:0.0} |");
            }
        }));
        return command;
    }

    private static Command ReportCommand()
    {
        var json = new Option<string>("--json") { Description = "Results of `run`", Required = true };
        var rssJson = new Option<string?>("--rss-json") { Description = "Results of `rss` (optional)" };
        var output = new Option<string>("--out") { Description = "Markdown file to write", DefaultValueFactory = _ => "docs/benchmarks.md" };
        var svg = new Option<string?>("--svg") { Description = "Chart to write (default: next to --out, .svg)" };
        var notes = new Option<string?>("--notes") { Description = "Markdown file whose text is included as the analysis section" };
        var replicationJson = new Option<string?>("--replication-json") { Description = "Results of `run --modes commit,commit-replicated` on a cluster (optional): the Replication section" };
        var replicationNotes = new Option<string?>("--replication-notes") { Description = "Markdown file whose text is included in the Replication section" };
        var command = new Command("report", "Write docs/benchmarks.md (table, ratios, targets, memory check, replication) and its SVG chart from result JSON files.")
        {
            json, rssJson, output, svg, notes, replicationJson, replicationNotes,
        };
        command.SetAction(async (parse, ct) => await GuardAsync(async () =>
        {
            var run = await ResultJson.ReadAsync<BenchRun>(parse.GetValue(json)!, ct);
            var rss = parse.GetValue(rssJson) is { } rssPath ? await ResultJson.ReadAsync<RssRun>(rssPath, ct) : null;
            var markdownPath = parse.GetValue(output)!;
            var svgPath = parse.GetValue(svg) ?? Path.ChangeExtension(markdownPath, ".svg");
            var notesText = parse.GetValue(notes) is { } notesPath && File.Exists(notesPath) ? await File.ReadAllTextAsync(notesPath, ct) : null;
            var replication = parse.GetValue(replicationJson) is { } replicationPath ? await ResultJson.ReadAsync<BenchRun>(replicationPath, ct) : null;
            var replicationText = parse.GetValue(replicationNotes) is { } replicationNotesPath && File.Exists(replicationNotesPath)
                ? await File.ReadAllTextAsync(replicationNotesPath, ct)
                : null;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(markdownPath))!);
            await File.WriteAllTextAsync(svgPath, SvgChart.Render(run), ct);
            var relativeSvg = Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(markdownPath))!, Path.GetFullPath(svgPath));
            await File.WriteAllTextAsync(markdownPath, MarkdownReport.Render(run, rss, relativeSvg, notesText, replication, replicationText), ct);
            Console.WriteLine($"Wrote {markdownPath} and {svgPath}");
        }));
        return command;
    }

    private static Command EchoServerCommand()
    {
        var prefix = new Option<string>("--prefix") { Description = "Queue prefix to consume", Required = true };
        var noAnnounce = new Option<bool>("--no-announce") { Description = "Do not publish the commit announcements the worker publishes" };
        var command = new Command("echo-server", "Consume commit envelopes like the worker and reply without storage (started by `run`).")
        {
            s_uri, prefix, s_prefetch, s_maxBatch, noAnnounce,
        };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var settings = new EchoServerSettings(new Uri(parse.GetValue(s_uri)!), parse.GetValue(prefix)!, parse.GetValue(s_prefetch),
                parse.GetValue(s_maxBatch), !parse.GetValue(noAnnounce));
            await new EchoServer(settings).RunAsync(Console.Out, ct);
            return 0;
        });
        return command;
    }

    private static void AddLoadOptions(Command command)
    {
        foreach (var option in new Option[] { s_uri, s_clients, s_inFlight, s_ops, s_valueBytes, s_keysPerAgent, s_seconds, s_warmup, s_prefetch, s_maxBatch, s_workerDll, s_json })
        {
            command.Options.Add(option);
        }
    }

    private static RunSettings Settings(ParseResult parse)
    {
        var shape = new LoadShape(parse.GetValue(s_clients), parse.GetValue(s_inFlight), parse.GetValue(s_ops), parse.GetValue(s_valueBytes), parse.GetValue(s_keysPerAgent));
        if (shape.Clients < 1 || shape.InFlight < 1 || shape.Operations < 1 || shape.ValueBytes < 2 || shape.KeysPerAgent < 1)
        {
            throw new ArgumentException("--clients, --in-flight, --ops and --keys-per-agent must be at least 1, --value-bytes at least 2.");
        }

        return new RunSettings(
            ParseUris(parse.GetValue(s_uri)!),
            shape,
            TimeSpan.FromSeconds(parse.GetValue(s_warmup)),
            TimeSpan.FromSeconds(parse.GetValue(s_seconds)),
            parse.GetValue(s_prefetch),
            parse.GetValue(s_maxBatch),
            parse.GetValue(s_workerDll) ?? BenchPaths.DefaultWorkerDll(),
            parse.GetValue(s_postgres),
            DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            BenchPaths.StateDirectory());
    }

    /// <summary>One AMQP URI or several separated by commas (a cluster's nodes), as the worker's Statehouse:Broker:Uri takes them.</summary>
    private static IReadOnlyList<Uri> ParseUris(string text)
    {
        try
        {
            return BrokerUris.Parse(text);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("--uri " + e.Message, e);
        }
    }

    private static async Task WriteResultsAsync<T>(string json, T run, string summary, CancellationToken ct)
    {
        await ResultJson.WriteAsync(json, run, ct);
        Console.WriteLine();
        Console.Write(summary);
        Console.WriteLine($"Results: {json}");
    }

    private static async Task<int> GuardAsync(Func<Task> body)
    {
        try
        {
            await body();
            return 0;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("Cancelled.");
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or TimeoutException
            or Statehouse.Client.Exceptions.StatehouseException or RabbitMQ.Client.Exceptions.BrokerUnreachableException or Npgsql.NpgsqlException)
        {
            await Console.Error.WriteLineAsync($"bench failed: {e.Message}");
            return 1;
        }
    }
}
