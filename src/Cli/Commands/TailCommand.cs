using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Statehouse.Cli.Broker;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;
using Statehouse.Cli.Values;
using Statehouse.Client;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>tail AGENT [-n N] [-f]</c>: the agent's last N transactions; with <c>-f</c> then every new one as it commits,
/// until Ctrl-C, SIGTERM or <c>--max-events</c>.
/// </summary>
internal static class TailCommand
{
    /// <summary>The first window of commit_ts searched backwards for the last events; it doubles until they are found.</summary>
    private const long FirstWindow = 256;

    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();
        var lines = new Option<int>("--lines", "-n") { Description = "How many of the last transactions to show first", HelpName = "N", DefaultValueFactory = _ => 10 };
        lines.Validators.Add(result =>
        {
            if (Arguments.TryGetValue(result, out int value) && value < 0)
            {
                result.AddError("--lines must be 0 or more.");
            }
        });
        var follow = new Option<bool>("--follow", "-f") { Description = "Then follow: show each new transaction of the agent as it commits" };
        var maxEvents = Arguments.AtLeast("--max-events", 1, "With -f: exit after N new transactions were shown", "N");
        var command = new Command("tail", "Show the agent's last transactions (operations and values); -f follows new commits")
        {
            agent, lines, follow, maxEvents,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(maxEvents) is not null && !result.GetValue(follow))
            {
                result.AddError("--max-events only goes with -f.");
            }
        });

        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetRequiredValue(agent);
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            var printer = new EventPrinter(context.Output, streaming: parse.GetValue(follow));
            if (!parse.GetValue(follow))
            {
                var health = await client.HealthAsync(ct).ConfigureAwait(false);
                printer.Print(await LastEventsAsync(client, agentId, parse.GetValue(lines), health.LastCommitTs, ct).ConfigureAwait(false));
                printer.Finish();
                return ExitCodes.Ok;
            }

            // Bound before the last commit_ts is read, so that no commit falls between the tail and the follow.
            await using var follower = await CommitFollower.StartAsync(await context.AmqpAsync(ct).ConfigureAwait(false), context.Names, ct).ConfigureAwait(false);
            var shown = (await client.HealthAsync(ct).ConfigureAwait(false)).LastCommitTs;
            printer.Print(await LastEventsAsync(client, agentId, parse.GetValue(lines), shown, ct).ConfigureAwait(false));
            context.Output.Note($"following commits of agent '{agentId}' in namespace '{context.Namespace}' after commit_ts {shown} (Ctrl-C to stop)");
            return await FollowAsync(client, follower, agentId, shown, parse.GetValue(maxEvents) ?? long.MaxValue, printer, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> FollowAsync(
        StatehouseClient client, CommitFollower follower, string agentId, long shown, long maxEvents, EventPrinter printer, CancellationToken ct)
    {
        long followed = 0;
        try
        {
            await foreach (var announcement in follower.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (announcement.CommitTs <= shown || !announcement.Versions.Any(v => v.AgentId == agentId))
                {
                    continue;
                }

                // From the last shown commit on, not just this one: an announcement lost on the way is caught up here.
                await foreach (var replayed in client.ReplayAsync(agentId, shown + 1, announcement.CommitTs, ct: ct).ConfigureAwait(false))
                {
                    printer.Print([replayed]);
                    if (++followed >= maxEvents)
                    {
                        return ExitCodes.Ok;
                    }
                }

                shown = announcement.CommitTs;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: the normal end of following.
            return ExitCodes.Ok;
        }

        throw CliException.Unavailable("The commit announcements stopped.");
    }

    /// <summary>
    /// The agent's last <paramref name="count"/> transactions up to <paramref name="lastTs"/>: replay reads forwards,
    /// so windows of commit_ts are read backwards, each twice as wide as the one before, until enough are found.
    /// </summary>
    private static async Task<List<ReplayEvent>> LastEventsAsync(StatehouseClient client, string agentId, int count, long lastTs, CancellationToken ct)
    {
        var found = new List<ReplayEvent>();
        var high = lastTs;
        var window = FirstWindow;
        while (count > 0 && found.Count < count && high >= 1)
        {
            var low = Math.Max(1, high - window + 1);
            var chunk = new List<ReplayEvent>();
            await foreach (var replayed in client.ReplayAsync(agentId, low, high, ct: ct).ConfigureAwait(false))
            {
                chunk.Add(replayed);
            }

            found.InsertRange(0, chunk);
            high = low - 1;
            window = Math.Min(window * 2, 1L << 40);
        }

        return found.Count > count ? found[^count..] : found;
    }

    /// <summary>
    /// Prints transactions one operation a line in fixed-width columns (a table cannot be streamed), or as JSON: an
    /// array when not following, one object a line (JSON Lines) when following.
    /// </summary>
    private sealed class EventPrinter(CliOutput output, bool streaming)
    {
        private readonly List<ReplayEvent> _collected = [];
        private bool _headerWritten;

        public void Print(IReadOnlyList<ReplayEvent> events)
        {
            if (output.Json)
            {
                foreach (var replayed in events)
                {
                    if (streaming)
                    {
                        output.WriteJsonLine(Views.EventJson(replayed));
                    }
                    else
                    {
                        _collected.Add(replayed);
                    }
                }

                return;
            }

            if (!_headerWritten)
            {
                output.WriteLine(Line("COMMIT_TS", "TXN_ID", "OP", "KEY", "VERSION", "VALUE"));
                _headerWritten = true;
            }

            foreach (var replayed in events)
            {
                foreach (var operation in replayed.Operations)
                {
                    output.WriteLine(Line(Views.Number(replayed.CommitTs), replayed.TxnId, Views.OperationName(operation.Kind), operation.Key,
                        Views.Number(operation.Version), JsonValues.ToText(operation.Value)));
                }
            }
        }

        public void Finish()
        {
            if (output.Json && !streaming)
            {
                output.WriteJson(new JsonArray(_collected.Select(e => (JsonNode)Views.EventJson(e)).ToArray()));
            }
        }

        private static string Line(string commitTs, string txnId, string op, string key, string version, string value) =>
            string.Format(CultureInfo.InvariantCulture, "{0,-10} {1,-32} {2,-6} {3,-20} {4,-7} {5}", commitTs, txnId, op, key, version, value).TrimEnd();
    }
}
