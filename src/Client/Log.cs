using Microsoft.Extensions.Logging;

namespace Statehouse.Client;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Statehouse client connected to {Endpoint} as '{ClientName}' (queue prefix '{QueuePrefix}', reply queue '{ReplyQueue}')")]
    public static partial void Connected(ILogger logger, string endpoint, string clientName, string queuePrefix, string replyQueue);

    [LoggerMessage(2, LogLevel.Warning, "No reply to {MessageType} {CorrelationId} within {TimeoutSeconds} s (attempt {Attempt} of {MaxAttempts}); publishing it again")]
    public static partial void Resending(ILogger logger, string messageType, string correlationId, double timeoutSeconds, int attempt, int maxAttempts);

    // The reason only, no stack trace: during a connection loss every request in flight fails the same way.
    [LoggerMessage(3, LogLevel.Warning, "Publishing {MessageType} {CorrelationId} failed (attempt {Attempt} of {MaxAttempts}): {Reason}; publishing again after recovery or a pause, within the attempt")]
    public static partial void PublishFailed(ILogger logger, string messageType, string correlationId, int attempt, int maxAttempts, string reason);

    [LoggerMessage(4, LogLevel.Debug, "Ignoring a reply with correlation id {CorrelationId}: no request is waiting for it (late or duplicate)")]
    public static partial void UnmatchedReply(ILogger logger, string? correlationId);

    [LoggerMessage(5, LogLevel.Warning, "Broker connection lost ({Reason}); recovering automatically")]
    public static partial void ConnectionLost(ILogger logger, string reason);

    [LoggerMessage(6, LogLevel.Information, "Broker connection recovered, to {Endpoint}")]
    public static partial void ConnectionRecovered(ILogger logger, string endpoint);

    [LoggerMessage(7, LogLevel.Information, "Reply queue renamed by connection recovery: '{Before}' -> '{After}'")]
    public static partial void ReplyQueueRenamed(ILogger logger, string before, string after);

    [LoggerMessage(8, LogLevel.Warning, "The publishing channel was closed ({Reason}) while the connection is up; opening a new one")]
    public static partial void PublishChannelReopened(ILogger logger, string reason);

    [LoggerMessage(9, LogLevel.Debug, "Read {CorrelationId} answered NOT_CAUGHT_UP ({Reason}); asking again")]
    public static partial void NotCaughtUp(ILogger logger, string correlationId, string? reason);

    [LoggerMessage(10, LogLevel.Warning, "Following {Filter}: the replay read from commit_ts {FromCommitTs} failed ({Kind}: {Reason}); reading again after a wake-up or {PollSeconds} s")]
    public static partial void FollowReadFailed(ILogger logger, string filter, long fromCommitTs, string kind, string reason, double pollSeconds);

    [LoggerMessage(11, LogLevel.Warning, "Following commits: subscribing to the announcements on '{Exchange}' failed ({Reason}); polling every {PollSeconds} s, subscribing again before the next wait")]
    public static partial void AnnouncementsUnsubscribed(ILogger logger, string exchange, string reason, double pollSeconds);

    [LoggerMessage(12, LogLevel.Information, "Following commits: subscribed again to the announcements on '{Exchange}' (queue '{Queue}')")]
    public static partial void AnnouncementsResubscribed(ILogger logger, string exchange, string queue);
}
