using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;
using Statehouse.Cli.Values;
using Statehouse.Client;
using Statehouse.Client.Exceptions;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>tail AGENT [-n N] [-f]</c> and <c>tail --all [-n N] [-f]</c>: the last N transactions of the agent (or of the whole
/// namespace); with <c>-f</c> then every new one as it commits (<see cref="StatehouseClient.FollowAsync"/>: gapless,
/// each once, across broker reconnects and worker failovers), until Ctrl-C, SIGTERM or <c>--max-events</c>.
/// </summary>
internal static class TailCommand
{
    /// <summary>The first window of commit_ts searched backwards for the last events; it doubles until they are found.</summary>
    private const long FirstWindow = 256;

    public static Command Create(GlobalOptions globals)
    {
        var agent = Arguments.Agent();
        agent.Arity = ArgumentArity.ZeroOrOne;
        var all = new Option<bool>("--all") { Description = "Every agent of the namespace instead of one: each operation names its agent" };
        var lines = new Option<int>("--lines", "-n") { Description = "How many of the last transactions to show first", HelpName = "N", DefaultValueFactory = _ => 10 };
        lines.Validators.Add(result =>
        {
            if (Arguments.TryGetValue(result, out int value) && value < 0)
            {
                result.AddError("--lines must be 0 or more.");
            }
        });
        var follow = new Option<bool>("--follow", "-f") { Description = "Then follow: show each new transaction as it commits" };
        var maxEvents = Arguments.AtLeast("--max-events", 1, "With -f: exit after N new transactions were shown", "N");
        var command = new Command("tail", "Show the last transactions of an agent (or with --all of the namespace), operations and values; -f follows new commits")
        {
            agent, all, lines, follow, maxEvents,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(maxEvents) is not null && !result.GetValue(follow))
            {
                result.AddError("--max-events only goes with -f.");
            }

            var named = !string.IsNullOrEmpty(result.GetValue(agent));
            if (named == result.GetValue(all))
            {
                result.AddError(named ? "Name an AGENT or give --all, not both." : "Name an AGENT, or give --all for every agent of the namespace.");
            }
        });

        command.SetBody(globals, async (context, parse, ct) =>
        {
            var agentId = parse.GetValue(all) ? null : parse.GetRequiredValue(agent);
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            var printer = new EventPrinter(context.Output, streaming: parse.GetValue(follow), withAgent: agentId is null);
            var shown = (await client.HealthAsync(ct).ConfigureAwait(false)).LastCommitTs;
            var (last, horizon) = await LastEventsAsync(client, agentId, parse.GetValue(lines), shown, ct).ConfigureAwait(false);
            if (horizon > 0)
            {
                context.Output.Note($"history before commit_ts {horizon} was removed by history retention on the worker that answered: showing {last.Count} kept transaction(s)");
            }

            printer.Print(last);
            if (!parse.GetValue(follow))
            {
                printer.Finish();
                return ExitCodes.Ok;
            }

            var filter = agentId is null ? FollowFilter.ForNamespace() : FollowFilter.ForAgent(agentId);
            var what = agentId is null ? "every agent" : $"agent '{agentId}'";
            context.Output.Note($"following commits of {what} in namespace '{context.Namespace}' after commit_ts {shown} (Ctrl-C to stop)");
            return await FollowAsync(client, filter, shown, parse.GetValue(maxEvents) ?? long.MaxValue, printer, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> FollowAsync(StatehouseClient client, FollowFilter filter, long shown, long maxEvents, EventPrinter printer, CancellationToken ct)
    {
        long followed = 0;
        try
        {
            await foreach (var replayed in client.FollowAsync(filter, shown, ct).ConfigureAwait(false))
            {
                printer.Print([replayed]);
                if (++followed >= maxEvents)
                {
                    return ExitCodes.Ok;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: the normal end of following.
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// The last <paramref name="count"/> transactions of <paramref name="agentId"/> (null: of the namespace) up to
    /// <paramref name="lastTs"/>: replay reads forwards, so windows of commit_ts are read backwards, each twice as wide
    /// as the one before, until enough are found. Where retention pruned history (HISTORY_PRUNED) the search ends at the
    /// history horizon: the last transactions are then the kept ones, fewer than asked, and the horizon is returned
    /// (0 when nothing stopped the search).
    /// </summary>
    private static async Task<(List<ReplayEvent> Events, long Horizon)> LastEventsAsync(
        StatehouseClient client, string? agentId, int count, long lastTs, CancellationToken ct)
    {
        var found = new List<ReplayEvent>();
        var high = lastTs;
        var window = FirstWindow;
        long floor = 1;
        long horizon = 0;
        while (count > 0 && found.Count < count && high >= floor)
        {
            var low = Math.Max(floor, high - window + 1);
            var chunk = new List<ReplayEvent>();
            var events = agentId is null ? client.ReplayNamespaceAsync(low, high, ct: ct) : client.ReplayAsync(agentId, low, high, ct: ct);
            try
            {
                await foreach (var replayed in events.ConfigureAwait(false))
                {
                    chunk.Add(replayed);
                }
            }
            catch (StatehouseHistoryPrunedException e) when (e.Horizon > low)
            {
                // Nothing below the horizon is kept: read this window again from it (above it, nothing is missing).
                floor = horizon = e.Horizon;
                continue;
            }

            found.InsertRange(0, chunk);
            high = low - 1;
            window = Math.Min(window * 2, 1L << 40);
        }

        return found.Count > count ? (found[^count..], 0) : (found, horizon);
    }

    /// <summary>
    /// Prints transactions one operation a line in fixed-width columns (a table cannot be streamed; with
    /// <paramref name="withAgent"/> an AGENT column too), or as JSON: an array when not following, one object a line
    /// (JSON Lines) when following.
    /// </summary>
    private sealed class EventPrinter(CliOutput output, bool streaming, bool withAgent)
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
                output.WriteLine(Line("COMMIT_TS", "TXN_ID", "OP", "AGENT", "KEY", "VERSION", "VALUE"));
                _headerWritten = true;
            }

            foreach (var replayed in events)
            {
                foreach (var operation in replayed.Operations)
                {
                    output.WriteLine(Line(Views.Number(replayed.CommitTs), replayed.TxnId, Views.OperationName(operation.Kind), operation.AgentId, operation.Key,
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

        private string Line(string commitTs, string txnId, string op, string agent, string key, string version, string value) => (withAgent
            ? string.Format(CultureInfo.InvariantCulture, "{0,-10} {1,-32} {2,-6} {3,-20} {4,-20} {5,-7} {6}", commitTs, txnId, op, agent, key, version, value)
            : string.Format(CultureInfo.InvariantCulture, "{0,-10} {1,-32} {2,-6} {3,-20} {4,-7} {5}", commitTs, txnId, op, key, version, value)).TrimEnd();
    }
}
