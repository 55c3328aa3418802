using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Statehouse.Cli.Hosting;

namespace Statehouse.Cli.Commands;

/// <summary><c>stats</c>: the worker's counters since it started, and the depths of the commit and dead-letter queues.</summary>
internal static class StatsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("stats",
            "Show the worker's counters since it started (commits, rejections, duplicates, dead letters, synced writes, reads) and the messages ready in the commit and dead-letter queues");
        command.SetBody(globals, async (context, _, ct) =>
        {
            var client = await context.ClientAsync(ct).ConfigureAwait(false);
            var stats = await client.StatsAsync(ct).ConfigureAwait(false);
            var amqp = await context.AmqpAsync(ct).ConfigureAwait(false);
            var commitReady = await amqp.RequireQueueAsync(context.Names.CommitQueue, context.Names.Prefix, ct).ConfigureAwait(false);
            var deadReady = await amqp.RequireQueueAsync(context.Names.DeadLetterQueue, context.Names.Prefix, ct).ConfigureAwait(false);
            context.Output.WriteObject(new JsonObject
            {
                ["committed"] = stats.Committed,
                ["rejected"] = stats.Rejected,
                ["duplicates"] = stats.Duplicates,
                ["dead_letters"] = stats.DeadLetters,
                ["synced_writes"] = stats.SyncedWrites,
                // Committed transactions per fsync: below the group size when groups also hold rejections or duplicates.
                ["commits_per_synced_write"] = stats.SyncedWrites == 0 ? null : Math.Round((double)stats.Committed / stats.SyncedWrites, 2),
                ["groups"] = stats.Groups,
                // The average group size: messages (committed, rejected, duplicate) applied per commit group.
                ["messages_per_group"] = stats.Groups == 0 ? null : Math.Round((double)stats.GroupMessages / stats.Groups, 2),
                ["reads"] = stats.Reads,
                ["last_commit_ts"] = stats.LastCommitTs,
                ["started_at"] = DateTimeOffset.FromUnixTimeMilliseconds(stats.StartedAtUnixMs).ToString("O", CultureInfo.InvariantCulture),
                ["commit_queue_ready"] = commitReady,
                ["dead_letter_queue_ready"] = deadReady,
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
