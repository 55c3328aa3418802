using System.Globalization;
using MessagePack;
using Statehouse.Client;
using Statehouse.Client.Exceptions;

namespace Statehouse.Demo;

/// <summary>
/// The end-to-end demo: one transaction writes three keys of one agent (guarded by the version of <c>step</c> read
/// just before), then each key is read back, then the agent's history is replayed.
/// </summary>
internal static class DemoRun
{
    private const int ShownHistory = 5;

    public static async Task<int> RunAsync(DemoArguments args, TextWriter output, TextWriter errors)
    {
        var attempt = args.Timeout / 2;
        var options = new StatehouseClientOptions
        {
            Uri = args.Amqp,
            QueuePrefix = args.Prefix,
            Namespace = args.Namespace,
            CommitTimeout = attempt,
            MaxCommitAttempts = 2,
            ReadTimeout = attempt,
            MaxReadAttempts = 2,
            ClientName = "statehouse-demo",
        };

        try
        {
            await output.WriteLineAsync($"Statehouse demo: broker {args.Endpoint}, queue prefix '{args.Prefix}', agent '{args.Agent}' in namespace '{args.Namespace}'");
            await using var client = await StatehouseClient.ConnectAsync(options);
            await CommitAsync(client, args.Agent, output);
            await ReadBackAsync(client, args.Agent, output);
            await ReplayAsync(client, args.Agent, output);
            return 0;
        }
        catch (StatehouseTimeoutException e)
        {
            await errors.WriteLineAsync(
                $"no reply from the worker within {e.TotalTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s: is it running? " +
                $"(broker {args.Endpoint}, queue prefix '{args.Prefix}')");
            return 4;
        }
        catch (StatehouseUnavailableException e)
        {
            await errors.WriteLineAsync($"broker unavailable: {e.Message}");
            return 3;
        }
        catch (StatehouseException e)
        {
            await errors.WriteLineAsync($"request failed ({e.Code}): {e.Message}");
            return 1;
        }
    }

    private static async Task CommitAsync(StatehouseClient client, string agent, TextWriter output)
    {
        var step = await client.GetStateAsync<int>(agent, "step");
        var next = step.Exists ? step.Value + 1 : 1;

        await using var tx = client.BeginTransaction();
        tx.ExpectVersion(agent, "step", step.Version)
            .Write(agent, "profile", new AgentProfile("Demo agent", "show one atomic multi-key commit", ["search", "calculator"]))
            .Write(agent, "plan", new List<string> { "gather facts", "draft answer", $"review (run {next})" })
            .Write(agent, "step", next);
        var result = await tx.CommitAsync();
        await output.WriteLineAsync($"committed txn {result.TxnId} at commit_ts {result.CommitTs}");
    }

    private static async Task ReadBackAsync(StatehouseClient client, string agent, TextWriter output)
    {
        foreach (var key in new[] { "profile", "plan", "step" })
        {
            var state = await client.GetStateAsync<object>(agent, key);
            var json = state.RawValue is { } raw ? MessagePackSerializer.ConvertToJson(raw) : "(missing)";
            await output.WriteLineAsync($"  {key,-8} version {state.Version,-4} commit_ts {state.CommitTs,-6} {json}");
        }
    }

    private static async Task ReplayAsync(StatehouseClient client, string agent, TextWriter output)
    {
        var recent = new Queue<ReplayEvent>();
        var total = 0;
        await foreach (var replayed in client.ReplayAsync(agent))
        {
            total++;
            recent.Enqueue(replayed);
            if (recent.Count > ShownHistory)
            {
                recent.Dequeue();
            }
        }

        await output.WriteLineAsync($"history of {agent}: {total} transaction(s){(total > recent.Count ? $", the last {recent.Count}" : "")}");
        foreach (var replayed in recent)
        {
            var operations = string.Join(", ", replayed.Operations.Select(o => $"{o.Kind.ToString().ToLowerInvariant()} {o.Key} v{o.Version}"));
            await output.WriteLineAsync($"  commit_ts {replayed.CommitTs,-6} txn {replayed.TxnId}  {operations}");
        }
    }
}
