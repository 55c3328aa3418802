using System.CommandLine;
using System.Text.Json.Nodes;
using MessagePack;
using Statehouse.Cli.Broker;
using Statehouse.Cli.Hosting;
using Statehouse.Cli.Output;
using Statehouse.Cli.Values;
using Statehouse.Contracts;

namespace Statehouse.Cli.Commands;

/// <summary>
/// <c>dead-letters list|show N|requeue [N|--all]|purge [N|--txn-id ID|--all] [--yes]</c>: the commit messages the worker
/// could never apply, in the queue <c>&lt;prefix&gt;.commit.dead</c>. N is the 1-based place shown by <c>list</c>.
/// </summary>
internal static class DeadLettersCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("dead-letters", "Inspect, requeue and purge the commit messages the worker dead-lettered");
        command.Subcommands.Add(List(globals));
        command.Subcommands.Add(Show(globals));
        command.Subcommands.Add(Requeue(globals));
        command.Subcommands.Add(Purge(globals));
        return command;
    }

    private static Command List(GlobalOptions globals)
    {
        var command = new Command("list", "List the dead letters (they stay in the queue): index, message_id, error code, size, error");
        command.SetBody(globals, async (context, _, ct) =>
        {
            await using var queue = await OpenAsync(context, ct).ConfigureAwait(false);
            var letters = await context.Output.WithProgressAsync("reading dead letters", _ => queue.TakeAsync(long.MaxValue, ct)).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new JsonArray(letters.Select(l => (JsonNode)Summary(l)).ToArray()));
            }
            else
            {
                var table = Tables.Create("INDEX", "MESSAGE_ID", "ERROR_CODE", "SIZE", "ERROR");
                foreach (var letter in letters)
                {
                    table.Row(Views.Number(letter.Index), letter.MessageId ?? "", letter.ErrorCode ?? "", Views.Number(letter.Body.Length), letter.Error ?? "");
                }

                context.Output.Write(table);
            }

            await queue.ReleaseAsync(ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(GlobalOptions globals)
    {
        var index = Index("The dead letter's index (from list)");
        var command = new Command("show", "Show one dead letter (it stays in the queue): properties, headers and its body as JSON") { index };
        command.SetBody(globals, async (context, parse, ct) =>
        {
            await using var queue = await OpenAsync(context, ct).ConfigureAwait(false);
            var letter = await TakeAsync(queue, parse.GetRequiredValue(index), ct).ConfigureAwait(false);
            var details = Details(letter);
            if (context.Output.Json)
            {
                context.Output.WriteJson(details);
            }
            else
            {
                var properties = details
                    .Where(p => p.Key is not ("headers" or "body"))
                    .Select(p => (p.Key, p.Value is JsonValue v && v.TryGetValue<string>(out var text) ? text : p.Value?.ToJsonString() ?? ""))
                    .Concat(letter.Properties.Headers?.Select(h => ($"header {h.Key}", DeadLetter.HeaderText(h.Value) ?? "")) ?? [])
                    .Append(("body", details["body"]?.ToJsonString() ?? ""));
                context.Output.Write(Tables.Properties(properties));
            }

            await queue.ReleaseAsync(ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Requeue(GlobalOptions globals)
    {
        var index = new Argument<int?>("N") { Description = "The dead letter's index (from list)", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Requeue every dead letter" };
        var command = new Command("requeue",
            "Publish dead letters again to the commit queue (confirmed, under this connection's broker user), then remove them from the dead-letter queue; the worker validates them again")
        {
            index, all,
        };
        command.Validators.Add(result =>
        {
            var hasIndex = result.GetResult(index) is { Tokens.Count: > 0 };
            if (hasIndex == result.GetValue(all))
            {
                result.AddError("Give either an index N or --all.");
            }
            else if (result.GetValue(index) is < 1)
            {
                result.AddError("N must be at least 1.");
            }
        });

        command.SetBody(globals, async (context, parse, ct) =>
        {
            await using var queue = await OpenAsync(context, ct).ConfigureAwait(false);
            IReadOnlyList<DeadLetter> chosen = parse.GetValue(index) is { } n
                ? [await TakeAsync(queue, n, ct).ConfigureAwait(false)]
                : [.. await queue.TakeAsync(long.MaxValue, ct).ConfigureAwait(false)];
            foreach (var letter in chosen)
            {
                await queue.RequeueAsync(letter, ct).ConfigureAwait(false);
            }

            await queue.ReleaseAsync(ct).ConfigureAwait(false);
            WriteLetters(context, chosen, "requeued",
                new JsonObject { ["queue"] = context.Names.CommitQueue, ["user_id"] = queue.Operator },
                $"requeued {chosen.Count} message(s) to {context.Names.CommitQueue} as broker user '{queue.Operator}'");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Purge(GlobalOptions globals)
    {
        var index = new Argument<int?>("N") { Description = "The dead letter's index (from list)", Arity = ArgumentArity.ZeroOrOne };
        var txnId = new Option<string>("--txn-id") { Description = "Purge every dead letter whose message_id is this txn_id", HelpName = "ID" };
        var all = new Option<bool>("--all") { Description = "Purge every dead letter" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required when stdin is not a terminal)" };
        var command = new Command("purge", "Remove dead letters from the dead-letter queue for good, after a confirmation")
        {
            index, txnId, all, yes,
        };
        command.Validators.Add(result =>
        {
            var given = (result.GetResult(index) is { Tokens.Count: > 0 } ? 1 : 0) + (result.GetResult(txnId) is null ? 0 : 1) + (result.GetValue(all) ? 1 : 0);
            if (given != 1)
            {
                result.AddError("Give exactly one of an index N, --txn-id ID or --all.");
            }
            else if (result.GetValue(index) is < 1)
            {
                result.AddError("N must be at least 1.");
            }
            else if (result.GetValue(txnId) is { Length: 0 })
            {
                result.AddError("--txn-id must not be empty.");
            }
        });

        command.SetBody(globals, async (context, parse, ct) =>
        {
            var confirmed = parse.GetValue(yes);
            if (!confirmed && Console.IsInputRedirected)
            {
                // Checked before the broker is touched: a script that forgot --yes removes nothing.
                throw CliException.Usage("dead-letters purge removes messages for good and asks first, but stdin is not a terminal: add --yes to purge without asking.");
            }

            await using var queue = await OpenAsync(context, ct).ConfigureAwait(false);
            IReadOnlyList<DeadLetter> chosen;
            if (parse.GetValue(index) is { } n)
            {
                chosen = [await TakeAsync(queue, n, ct).ConfigureAwait(false)];
            }
            else if (parse.GetValue(txnId) is { } id)
            {
                chosen = [.. (await queue.TakeAsync(long.MaxValue, ct).ConfigureAwait(false)).Where(l => l.MessageId == id)];
                if (chosen.Count == 0)
                {
                    throw CliException.NotFound($"There is no dead letter with message_id '{id}' in {context.Names.DeadLetterQueue}.");
                }
            }
            else
            {
                chosen = [.. await queue.TakeAsync(long.MaxValue, ct).ConfigureAwait(false)];
            }

            if (chosen.Count > 0 && !confirmed && !Confirm(context, chosen))
            {
                await queue.ReleaseAsync(ct).ConfigureAwait(false);
                context.Output.Note("Nothing purged.");
                return ExitCodes.Ok;
            }

            foreach (var letter in chosen)
            {
                await queue.PurgeAsync(letter, ct).ConfigureAwait(false);
            }

            await queue.ReleaseAsync(ct).ConfigureAwait(false);
            WriteLetters(context, chosen, "purged", new JsonObject { ["queue"] = context.Names.DeadLetterQueue },
                $"purged {chosen.Count} message(s) from {context.Names.DeadLetterQueue}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// What a requeue or purge did: <paramref name="json"/> plus the letters under <paramref name="verb"/>, or the
    /// <paramref name="headline"/> and a table of them.
    /// </summary>
    private static void WriteLetters(CliContext context, IReadOnlyList<DeadLetter> letters, string verb, JsonObject json, string headline)
    {
        if (context.Output.Json)
        {
            json[verb] = new JsonArray(letters.Select(l => (JsonNode)Summary(l)).ToArray());
            context.Output.WriteJson(json);
            return;
        }

        context.Output.WriteLine(headline);
        var table = Tables.Create("INDEX", "MESSAGE_ID", "ERROR_CODE");
        foreach (var letter in letters)
        {
            table.Row(Views.Number(letter.Index), letter.MessageId ?? "", letter.ErrorCode ?? "");
        }

        context.Output.Write(table);
    }

    /// <summary>Asks on stderr and reads the answer from stdin (a terminal); only "y" or "yes" confirms.</summary>
    private static bool Confirm(CliContext context, IReadOnlyList<DeadLetter> chosen)
    {
        foreach (var letter in chosen)
        {
            context.Output.Note($"  #{letter.Index} {letter.MessageId} {letter.ErrorCode}");
        }

        context.Output.Note($"Remove these {chosen.Count} dead letter(s) from {context.Names.DeadLetterQueue} for good? [y/N]");
        var answer = Console.In.ReadLine()?.Trim();
        return string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase);
    }

    private static Argument<int> Index(string description)
    {
        var index = new Argument<int>("N") { Description = description };
        index.Validators.Add(result =>
        {
            if (Arguments.TryGetValue(result, out int value) && value < 1)
            {
                result.AddError("N must be at least 1.");
            }
        });
        return index;
    }

    private static async Task<DeadLetterQueue> OpenAsync(CliContext context, CancellationToken ct) =>
        await DeadLetterQueue.OpenAsync(await context.AmqpAsync(ct).ConfigureAwait(false), context.Names, ct).ConfigureAwait(false);

    private static async Task<DeadLetter> TakeAsync(DeadLetterQueue queue, int index, CancellationToken ct)
    {
        var letters = await queue.TakeAsync(index, ct).ConfigureAwait(false);
        return letters.Count >= index
            ? letters[index - 1]
            : throw CliException.NotFound($"There is no dead letter #{index}: the queue holds {letters.Count}.");
    }

    private static JsonObject Summary(DeadLetter letter) => new()
    {
        ["index"] = letter.Index,
        ["message_id"] = letter.MessageId,
        ["error_code"] = letter.ErrorCode,
        ["error"] = letter.Error,
        ["size"] = letter.Body.Length,
    };

    private static JsonObject Details(DeadLetter letter)
    {
        var details = Summary(letter);
        details["correlation_id"] = letter.Properties.CorrelationId;
        details["reply_to"] = letter.Properties.ReplyTo;
        details["content_type"] = letter.Properties.ContentType;
        var headers = new JsonObject();
        foreach (var (name, value) in letter.Properties.Headers ?? new Dictionary<string, object?>())
        {
            headers[name] = DeadLetter.HeaderText(value);
        }

        details["headers"] = headers;
        (details["body_format"], details["body"]) = Body(letter.Body);
        return details;
    }

    /// <summary>The body as a commit envelope if it is one, else as any MessagePack value, else as base64.</summary>
    private static (JsonNode Format, JsonNode? Body) Body(byte[] body)
    {
        try
        {
            var envelope = WireFormat.Deserialize<CommitEnvelope>(body);
            return ("commit-envelope", new JsonObject
            {
                ["schema_version"] = envelope.SchemaVersion,
                ["txn_id"] = envelope.TxnId,
                ["namespace"] = envelope.Namespace,
                ["deadline_unix_ms"] = envelope.DeadlineUnixMs,
                ["operations"] = new JsonArray((envelope.Operations ?? []).Select(o => (JsonNode)new JsonObject
                {
                    ["op"] = Views.OperationName(o.Kind),
                    ["agent"] = o.AgentId,
                    ["key"] = o.Key,
                    ["value"] = JsonValues.ToNode(o.Value),
                    ["expected_version"] = o.Kind == OperationKind.ExpectVersion ? o.ExpectedVersion : null,
                }).ToArray()),
            });
        }
        catch (MessagePackSerializationException)
        {
            // Not an envelope of this schema: fall through to the generic forms.
        }

        try
        {
            var reader = new MessagePackReader(body);
            reader.Skip();
            if (reader.End)
            {
                return ("messagepack", JsonValues.ToNode(body));
            }
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
        {
            // Not one MessagePack value.
        }

        return ("base64", Convert.ToBase64String(body));
    }
}
