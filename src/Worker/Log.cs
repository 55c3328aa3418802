using Microsoft.Extensions.Logging;
using Statehouse.Contracts;

namespace Statehouse.Worker;

/// <summary>Every log line of the worker. Information is kept to start, stop and state changes; per group and per transaction is Debug.</summary>
internal static partial class Log
{
    // Start and stop.
    [LoggerMessage(1, LogLevel.Critical, "Statehouse worker did not start: {Reason}")]
    public static partial void StartFailed(this ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Critical, "Cannot open the store at {StorePath}: {Reason}")]
    public static partial void StoreOpenFailed(this ILogger logger, string storePath, string reason);

    [LoggerMessage(3, LogLevel.Information, "Opened the store at {StorePath}, last commit_ts {LastCommitTs}, store id {StoreId}")]
    public static partial void StoreOpened(this ILogger logger, string storePath, long lastCommitTs, Guid storeId);

    [LoggerMessage(4, LogLevel.Information,
        WorkerLogMarkers.Ready + ": consuming {CommitQueue}, store {StorePath}, last commit_ts {LastCommitTs}")]
    public static partial void WorkerReady(this ILogger logger, string commitQueue, string storePath, long lastCommitTs);

    [LoggerMessage(5, LogLevel.Information, "Statehouse worker stopping: no new deliveries, finishing the group in flight")]
    public static partial void WorkerStopping(this ILogger logger);

    [LoggerMessage(6, LogLevel.Warning, "Stopping took too long; cutting the broker calls still in flight")]
    public static partial void StopTimedOut(this ILogger logger);

    [LoggerMessage(7, LogLevel.Information, "Statehouse worker stopped")]
    public static partial void WorkerStopped(this ILogger logger);

    [LoggerMessage(17, LogLevel.Information,
        "Memory budget {BudgetBytes} bytes of commit deliveries: prefetch {Prefetch} (configured {ConfiguredPrefetch}), " +
        "messages up to {MaxMessageBytes} bytes each charged {BytesPerDelivery}, groups of at most {MaxGroup}")]
    public static partial void DeliveryBudgetApplied(
        this ILogger logger, long budgetBytes, int prefetch, int configuredPrefetch, int maxMessageBytes, long bytesPerDelivery, int maxGroup);

    [LoggerMessage(8, LogLevel.Critical, "The commit loop failed; stopping the worker")]
    public static partial void CommitLoopCrashed(this ILogger logger, Exception exception);

    // One deployment, one history.
    [LoggerMessage(9, LogLevel.Critical, "Statehouse worker refused: {Reason}")]
    public static partial void DeploymentRefused(this ILogger logger, string reason);

    [LoggerMessage(10, LogLevel.Information, "Store {StoreId} is the store of deployment {DeploymentStream} (claimed {ClaimedAt:O} by {ClaimedBy})")]
    public static partial void DeploymentConfirmed(this ILogger logger, Guid storeId, string deploymentStream, DateTime claimedAt, string claimedBy);

    // Broker.
    [LoggerMessage(20, LogLevel.Information, "Connected to the broker at {Endpoint} (attempt {Attempt})")]
    public static partial void BrokerConnected(this ILogger logger, string endpoint, int attempt);

    [LoggerMessage(21, LogLevel.Warning, "Cannot reach the broker at {Endpoint} (attempt {Attempt}): {Reason}; retrying in {DelaySeconds} s")]
    public static partial void BrokerConnectFailed(this ILogger logger, string endpoint, int attempt, double delaySeconds, string reason);

    [LoggerMessage(22, LogLevel.Warning, "Lost the broker session: {Reason}; reconnecting")]
    public static partial void BrokerSessionLost(this ILogger logger, string reason);

    [LoggerMessage(23, LogLevel.Error, "Could not set up the broker session: {Reason}; retrying")]
    public static partial void BrokerSessionFailed(this ILogger logger, string reason);

    [LoggerMessage(24, LogLevel.Information, "Consuming {CommitQueue} again (session {Generation})")]
    public static partial void ConsumingResumed(this ILogger logger, string commitQueue, long generation);

    [LoggerMessage(25, LogLevel.Debug, "Could not cancel consumer {ConsumerTag}: {Reason}")]
    public static partial void ConsumerCancelFailed(this ILogger logger, string consumerTag, string reason);

    // Commit loop.
    [LoggerMessage(40, LogLevel.Debug,
        "Group of {Count}: {Committed} committed, {Rejected} rejected, {Duplicates} duplicates; last commit_ts {LastCommitTs}; {ElapsedMs:F1} ms")]
    public static partial void GroupCommitted(
        this ILogger logger, int count, int committed, int rejected, int duplicates, long lastCommitTs, double elapsedMs);

    [LoggerMessage(41, LogLevel.Debug, "Committed txn {TxnId} at commit_ts {CommitTs} ({Records} records)")]
    public static partial void TransactionCommitted(this ILogger logger, string txnId, long commitTs, int records);

    [LoggerMessage(42, LogLevel.Debug, "Rejected txn {TxnId}: {ErrorCode} {ErrorMessage}")]
    public static partial void TransactionRejected(this ILogger logger, string txnId, string errorCode, string? errorMessage);

    [LoggerMessage(43, LogLevel.Debug, "Duplicate txn {TxnId} answered from the inbox (commit_ts {CommitTs})")]
    public static partial void DuplicateAnswered(this ILogger logger, string txnId, long commitTs);

    [LoggerMessage(44, LogLevel.Warning, "Dead-lettered message {MessageId}: {ErrorCode} {Reason}")]
    public static partial void DeadLettered(this ILogger logger, string? messageId, string errorCode, string reason);

    [LoggerMessage(45, LogLevel.Error, "The synced write of a group of {Count} failed; nothing acked or replied, it is kept and retried")]
    public static partial void StorageWriteFailed(this ILogger logger, int count, Exception exception);

    [LoggerMessage(56, LogLevel.Error, "The synced write of a group of {Count} failed again: {Reason}; kept and retried")]
    public static partial void StorageStillFailing(this ILogger logger, int count, string reason);

    [LoggerMessage(46, LogLevel.Error, "Applying a group of {Count} failed unexpectedly; requeued it")]
    public static partial void CommitGroupFailed(this ILogger logger, int count, Exception exception);

    [LoggerMessage(47, LogLevel.Warning, "Commit failure {Failures} in a row; pausing {DelaySeconds} s before taking more deliveries")]
    public static partial void CommitBackoff(this ILogger logger, int failures, double delaySeconds);

    [LoggerMessage(48, LogLevel.Information, "The store writes again; storage marked healthy")]
    public static partial void StorageRecovered(this ILogger logger);

    [LoggerMessage(50, LogLevel.Warning,
        "A group of {Count} is written but its replies or ack failed: {Reason}; the broker redelivers it and the inbox answers")]
    public static partial void ReplyOrAckFailed(this ILogger logger, int count, string reason);

    [LoggerMessage(51, LogLevel.Warning, "Could not requeue a group of {Count}: {Reason}")]
    public static partial void RequeueFailed(this ILogger logger, int count, string reason);

    [LoggerMessage(52, LogLevel.Warning, "Could not announce committed transactions: {Reason}")]
    public static partial void AnnounceFailed(this ILogger logger, string reason);

    [LoggerMessage(53, LogLevel.Debug, "Dropped {Count} deliveries of a lost broker session; the broker redelivers them")]
    public static partial void DroppedStaleDeliveries(this ILogger logger, int count);

    [LoggerMessage(54, LogLevel.Information, "Pruned {Count} inbox entries older than {Retention}")]
    public static partial void InboxPruned(this ILogger logger, long count, TimeSpan retention);

    [LoggerMessage(55, LogLevel.Warning, "Inbox pruning failed: {Reason}; trying again later")]
    public static partial void InboxPruneFailed(this ILogger logger, string reason);

    [LoggerMessage(57, LogLevel.Information,
        "Pruned history of namespace '{Namespace}': {Versions} versions, {LogEntries} log entries below its history horizon, commit_ts {Horizon} (compacted: {Compacted})")]
    public static partial void HistoryPruned(this ILogger logger, string @namespace, long versions, long logEntries, long horizon, bool compacted);

    [LoggerMessage(58, LogLevel.Warning, "History pruning failed: {Reason}; trying again later")]
    public static partial void HistoryPruneFailed(this ILogger logger, string reason);

    // Reads.
    [LoggerMessage(60, LogLevel.Error, "A read request failed inside the worker")]
    public static partial void ReadFailed(this ILogger logger, Exception exception);

    [LoggerMessage(61, LogLevel.Warning, "Could not reply to a read request: {Reason}; it will be redelivered")]
    public static partial void ReadReplyFailed(this ILogger logger, string reason);

    [LoggerMessage(62, LogLevel.Warning,
        "Standby: the store at {StorePath} is held by another worker; waiting to take over ({Reason})")]
    public static partial void StandbyWaiting(this ILogger logger, string storePath, string reason);

    [LoggerMessage(63, LogLevel.Information, "Standby: took over the store at {StorePath} after waiting {WaitedSeconds:F1} s")]
    public static partial void StandbyTakingOver(this ILogger logger, string storePath, double waitedSeconds);

    [LoggerMessage(64, LogLevel.Warning, "Standby: cannot read the store at {StorePath} as a RocksDB secondary instance ({Reason}); health reports no last commit_ts")]
    public static partial void StandbyReadFailed(this ILogger logger, string storePath, string reason);

    // Metrics and health.
    [LoggerMessage(70, LogLevel.Information, "Serving metrics at {MetricsUrl} and health at {HealthUrl}")]
    public static partial void MonitoringListening(this ILogger logger, string metricsUrl, string healthUrl);

    [LoggerMessage(71, LogLevel.Debug, "Could not count the messages ready in {Queue}: {Reason}")]
    public static partial void QueueProbeFailed(this ILogger logger, string queue, string reason);

    // Dead letters.
    [LoggerMessage(90, LogLevel.Warning,
        "The commit queue {CommitQueue} was declared by an earlier version ({Refusal}): the broker's own dead-lettering " +
        "past the delivery limit is at-most-once unless a policy makes it at-least-once. Upgrade it once with: {PolicyCommand} " +
        "(a worker cannot see policies over AMQP, so this repeats at every start; `rabbitmqctl list_queues name policy " +
        "effective_policy_definition` shows whether the policy applies)")]
    public static partial void CommitQueueDeadLettersAtMostOnce(this ILogger logger, string commitQueue, string refusal, string policyCommand);

    [LoggerMessage(91, LogLevel.Error,
        "The dead-letter copy of message {MessageId} was not stored: {Reason}; the message is held unacked and its copy retried")]
    public static partial void DeadLetterHeld(this ILogger logger, string? messageId, string reason);

    [LoggerMessage(92, LogLevel.Warning,
        "{Count} message(s) still held for their dead-letter copies ({Reason}); next try in {DelaySeconds} s")]
    public static partial void DeadLetterStillFailing(this ILogger logger, int count, string reason, double delaySeconds);

    [LoggerMessage(93, LogLevel.Information, "Dead-letter copies are stored again; the held messages are acked")]
    public static partial void DeadLetterRecovered(this ILogger logger);

    [LoggerMessage(94, LogLevel.Debug, "Dropped {Count} held message(s) of a lost broker session; the broker redelivers them")]
    public static partial void DroppedHeldDeadLetters(this ILogger logger, int count);

    [LoggerMessage(95, LogLevel.Error,
        "Message {MessageId} failed unexpectedly on delivery {Attempt} (limit {DeliveryLimit} redeliveries); dead-lettering it")]
    public static partial void PoisonMessage(this ILogger logger, string? messageId, int attempt, int deliveryLimit);

    // Replication.
    [LoggerMessage(130, LogLevel.Warning,
        "{Queue} exists as a classic queue ({Refusal}); it is used as it is. In a replicated deployment on a cluster a classic " +
        "queue lives on one node, and while that node is down no worker can start a session. Replace it with a quorum queue: " +
        "stop the workers, delete it when it is empty (rabbitmqctl delete_queue {Queue} --if-empty), start them again (docs/replication.md)")]
    public static partial void ClassicQueueInReplicatedDeployment(this ILogger logger, string queue, string refusal);

    [LoggerMessage(120, LogLevel.Warning,
        "The log stream {LogStream} exists with other retention arguments ({Refusal}); it is used as it is. A declared stream's " +
        "arguments cannot change: give it the configured retention with a policy: {PolicyCommand}")]
    public static partial void LogStreamRetentionDiffers(this ILogger logger, string logStream, string refusal, string policyCommand);

    [LoggerMessage(121, LogLevel.Error, "The log follower of {LogStream} failed; giving the broker session up")]
    public static partial void LogFollowerFailed(this ILogger logger, string logStream, Exception exception);

    [LoggerMessage(122, LogLevel.Information, "Read an epoch marker of epoch {Epoch} in the log (valid {Valid}, this worker's own {Own})")]
    public static partial void LogMarkerRead(this ILogger logger, long epoch, bool valid, bool own);

    [LoggerMessage(123, LogLevel.Debug, "Applied {Count} group(s) of the log up to seq {Seq}, last commit_ts {LastCommitTs}")]
    public static partial void LogApplied(this ILogger logger, int count, long seq, long lastCommitTs);

    [LoggerMessage(124, LogLevel.Error, "Applying the log to the store failed: {Reason}; reopening the store and trying again")]
    public static partial void LogApplyFailed(this ILogger logger, string reason);

    [LoggerMessage(125, LogLevel.Information,
        "Took over as primary under epoch {Epoch}: the log is applied up to group {Seq}, last commit_ts {LastCommitTs} ({ElapsedMs} ms)")]
    public static partial void TookOver(this ILogger logger, long epoch, long seq, long lastCommitTs, double elapsedMs);

    [LoggerMessage(126, LogLevel.Information, "This worker's epoch marker of epoch {Epoch} was void (the log reached epoch {LogEpoch} first); trying higher")]
    public static partial void MarkerVoid(this ILogger logger, long epoch, long logEpoch);

    [LoggerMessage(127, LogLevel.Warning, "Giving the broker session up ({Reason}); its messages are redelivered, and the next session starts as a replica")]
    public static partial void ReplicatedSessionAbandoned(this ILogger logger, string reason);

    [LoggerMessage(128, LogLevel.Information,
        "Following the log {LogStream} from offset {ResumeOffset} (store at group {Seq}, last commit_ts {LastCommitTs})")]
    public static partial void FollowingLog(this ILogger logger, string logStream, long resumeOffset, long seq, long lastCommitTs);

    [LoggerMessage(129, LogLevel.Critical, "{Refusal}")]
    public static partial void StoreDiverged(this ILogger logger, string refusal);
}
