using System.Globalization;
using System.Text.Json.Nodes;
using RabbitMQ.Client.Exceptions;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;

namespace Statehouse.Cli.Hosting;

/// <summary>What went wrong, as an exit code, a message for people, and the same as a JSON object for <c>--json</c>.</summary>
internal sealed record Failure(int ExitCode, string Message, ErrorCode Code = ErrorCode.None, IReadOnlyList<RecordVersion>? Conflicts = null)
{
    /// <summary>For HISTORY_PRUNED: the worker's history horizon (commit_ts) for the namespace; 0 otherwise.</summary>
    public long Horizon { get; init; }

    /// <summary>
    /// Maps the exceptions a command can end with; null for one that is a bug (it keeps its stack trace).
    /// <paramref name="command"/> (the command's name) picks how a timed-out commit is settled.
    /// </summary>
    public static Failure? From(Exception exception, CliSettings? settings, string command) => exception switch
    {
        CliException e => new Failure(e.ExitCode, e.Message),
        StatehouseConflictException e => new Failure(ExitCodes.Rejected, e.Message, e.Code, e.Conflicts),
        StatehouseNotFoundException e => new Failure(ExitCodes.NotFound, e.Message, e.Code),
        StatehouseTimeoutException e => new Failure(ExitCodes.Unavailable, TimeoutMessage(e, settings, command)),
        StatehouseUnavailableException e => new Failure(ExitCodes.Unavailable, e.Message),
        StatehouseNotCaughtUpException e => new Failure(ExitCodes.Unavailable, e.Message, e.Code),
        StatehouseHistoryPrunedException e => new Failure(ExitCodes.HistoryPruned, e.Message, e.Code) { Horizon = e.Horizon },
        StatehouseException e => new Failure(ExitCodes.Rejected, e.Message, e.Code),
        BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or PublishException =>
            new Failure(ExitCodes.Unavailable, $"Broker failure: {exception.GetBaseException().Message}"),
        ArgumentException e => new Failure(ExitCodes.Usage, e.Message),
        _ => null,
    };

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["error"] = Message,
            ["code"] = Code == ErrorCode.None ? null : Code.ToWireName(),
            ["exit_code"] = ExitCode,
        };
        if (Horizon > 0)
        {
            json["horizon"] = Horizon;
        }

        if (Conflicts is { Count: > 0 })
        {
            json["conflicts"] = new JsonArray(Conflicts
                .Select(c => (JsonNode)new JsonObject { ["agent"] = c.AgentId, ["key"] = c.Key, ["actual_version"] = c.Version })
                .ToArray());
        }

        return json;
    }

    private static string TimeoutMessage(StatehouseTimeoutException e, CliSettings? settings, string command)
    {
        var waited = CliContext.Seconds(e.TotalTimeout);
        var where = settings is null ? "" : $" (broker {settings.Endpoint}, queue prefix '{settings.QueuePrefix}')";
        return $"No reply from the worker within {waited}: is it running{where}?{Outcome(e, command)}";
    }

    /// <summary>
    /// For a commit: until when its outcome is open, and how to settle it. Only put, delete and commit take
    /// <c>--txn-id</c>; a fork's envelope depends on what it read (a replace), and an import derives its txn_ids itself.
    /// </summary>
    private static string Outcome(StatehouseTimeoutException e, string command)
    {
        if (e.TxnId is null)
        {
            return "";
        }

        var deadline = e.Deadline is { } at
            ? $"until its deadline {at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)} (UTC): until then the worker may still apply it, after it the worker refuses it (TXN_EXPIRED)"
            : "(it has no deadline): the worker may still apply it";
        var settle = command switch
        {
            "import" => "run the same import again: it resumes, and the worker answers every transaction it already applied from its inbox " +
                "(the same txn_ids) instead of applying it twice.",
            "fork" => $"read the target's note (statehouse get TARGET {ForkNote.ReservedKey}): it names txn_id {e.TxnId} once the fork is " +
                "applied; a fork run again under a new txn_id would conflict with it.",
            _ => $"run the same command again with --txn-id {e.TxnId}: the worker applies a txn_id at most once and answers a resend with the first outcome.",
        };
        return $" The outcome of transaction {e.TxnId} is unknown {deadline}. To settle it, {settle}";
    }
}
