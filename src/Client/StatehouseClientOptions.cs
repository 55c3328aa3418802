using System.Text.RegularExpressions;
using MessagePack;
using MessagePack.Resolvers;
using Microsoft.Extensions.Logging;
using Statehouse.Contracts;

namespace Statehouse.Client;

/// <summary>Settings of a <see cref="StatehouseClient"/>. Validated by <see cref="Validate"/> when the client connects.</summary>
public sealed partial class StatehouseClientOptions
{
    /// <summary>The longest single wait the client accepts (a <see cref="CancellationTokenSource"/> limit, with margin).</summary>
    private static readonly TimeSpan s_maxTimeout = TimeSpan.FromDays(1);

    /// <summary>
    /// The default value serializer: attribute-annotated types use their attributes, everything else (plain records,
    /// anonymous types, dictionaries, lists, primitives) is written as a map by property name. Untrusted-data
    /// security is on because values are read back from a store that any client can write to.
    /// </summary>
    public static MessagePackSerializerOptions DefaultValueSerializerOptions { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(ContractlessStandardResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>AMQP URI of the broker (<c>amqp://</c> or <c>amqps://</c>); not used when <see cref="Uris"/> names any.</summary>
    public Uri Uri { get; set; } = new("amqp://guest:guest@localhost:5672/");

    /// <summary>
    /// The nodes of one RabbitMQ cluster, e.g. <c>amqp://u:p@node1:5672/</c>, <c>amqp://u:p@node2:5672/</c>; when not
    /// empty it replaces <see cref="Uri"/>. All must have the same scheme, user, password and virtual host (they differ
    /// in host and port only). The client connects to one of them, in a random order per attempt, and after losing the
    /// connection recovers to any of them. A comma-separated list as the worker's <c>Statehouse:Broker:Uri</c> takes it
    /// converts with <see cref="BrokerUris.Parse"/>.
    /// </summary>
    public IList<Uri> Uris { get; set; } = [];

    /// <summary>Prefix of the queue names (see <see cref="TopologyNames"/>); must match the worker's <c>Statehouse:Broker:QueuePrefix</c>.</summary>
    public string QueuePrefix { get; set; } = TopologyNames.DefaultPrefix;

    /// <summary>Namespace used when a call does not name one.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>How long one commit attempt (publish, broker confirm, worker reply) may take before the message is resent.</summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Attempts per commit: the first publish plus resends of the same message (same <c>txn_id</c>, applied at most
    /// once by the worker) after each <see cref="CommitTimeout"/>. After the last one the commit throws
    /// <see cref="Exceptions.StatehouseTimeoutException"/>.
    /// </summary>
    public int MaxCommitAttempts { get; set; } = 3;

    /// <summary>
    /// How long after the first publish the worker may still apply a transaction (sent as the envelope's deadline; a
    /// later delivery is rejected with TXN_EXPIRED). <c>null</c>: <see cref="CommitTimeout"/> × <see cref="MaxCommitAttempts"/>
    /// plus one minute, generous so that clock skew between client and worker does not reject live commits.
    /// Every commit carries a deadline: the worker refuses one without a deadline, or with one further ahead than its
    /// <c>Statehouse:Commit:InboxRetention</c> (default 7 days), with INVALID_REQUEST, because it detects a resent
    /// txn_id only that long. <see cref="Timeout.InfiniteTimeSpan"/> is therefore refused by <see cref="Validate"/>.
    /// </summary>
    public TimeSpan? CommitDeadline { get; set; }

    /// <summary>
    /// Largest commit message (the serialized envelope), in bytes, that the client publishes. A larger transaction fails
    /// with <see cref="Exceptions.StatehousePayloadTooLargeException"/> before anything is sent. Set it to the smaller of
    /// the broker's <c>max_message_size</c> (RabbitMQ 4: 16 MiB, 3.x: 128 MiB) and the worker's
    /// <c>Statehouse:Limits:MaxMessageBytes</c>; the default, 4 MiB, is the worker's. Between 1024 and 512 MiB.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 4 << 20;

    /// <summary>How long one read attempt may take before the request is resent (reads are idempotent).</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per read: the first request plus resends after each <see cref="ReadTimeout"/>.</summary>
    public int MaxReadAttempts { get; set; } = 2;

    /// <summary>
    /// How long <see cref="StatehouseClient.FollowAsync"/>, caught up, waits for a commit announcement before it reads the
    /// history again anyway (default 1 s): announcements are best effort, so a lost one costs at most this much latency,
    /// never a commit. Between 10 ms and 1 day.
    /// </summary>
    public TimeSpan FollowPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Read-your-writes (default on): the client keeps the highest commit_ts it has seen (its commits, and the records
    /// and events its reads return) and sends it as every record read's min_commit_ts, so whichever worker answers
    /// (a replica too) shows at least the client's own last commit. A worker that has not got there waits
    /// (<c>Statehouse:Reads:CatchUpWaitMilliseconds</c>) or answers NOT_CAUGHT_UP, and the client asks again for up to
    /// <see cref="ReadTimeout"/> × <see cref="MaxReadAttempts"/> before it throws
    /// <see cref="Exceptions.StatehouseNotCaughtUpException"/>. Off: reads send only what
    /// <see cref="StatehouseClient.ObserveCommitTs"/> was given (0 unless it is called).
    /// </summary>
    public bool ReadYourWrites { get; set; } = true;

    /// <summary>Pause between attempts to reconnect after the broker connection was lost (automatic recovery).</summary>
    public TimeSpan ReconnectInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Connection name shown by the broker's management tools; defaults to <c>statehouse-client@host:pid</c>.</summary>
    public string? ClientName { get; set; }

    /// <summary>Serializer options for values (written into <c>Operation.Value</c>, read back from records and replays).</summary>
    public MessagePackSerializerOptions ValueSerializerOptions { get; set; } = DefaultValueSerializerOptions;

    /// <summary>Logger factory for the client's diagnostics; none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Clock for deadlines and timeouts (tests replace it).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Uris is null)
        {
            throw new ArgumentException("Uris must not be null; leave it empty to connect to Uri.", nameof(Uris));
        }

        if (Uris.Count > 0)
        {
            try
            {
                BrokerUris.Check([.. Uris]);
            }
            catch (FormatException e)
            {
                throw new ArgumentException("Uris " + e.Message, nameof(Uris), e);
            }
        }
        else if (Uri is null || !Uri.IsAbsoluteUri || (Uri.Scheme != "amqp" && Uri.Scheme != "amqps"))
        {
            throw new ArgumentException($"Uri must be an absolute amqp:// or amqps:// URI, got '{Uri}'.", nameof(Uri));
        }

        if (QueuePrefix is null || !QueuePrefixPattern().IsMatch(QueuePrefix))
        {
            throw new ArgumentException($"QueuePrefix must be 1-100 characters of A-Z a-z 0-9 . _ -, got '{QueuePrefix}'.", nameof(QueuePrefix));
        }

        if (string.IsNullOrEmpty(Namespace))
        {
            throw new ArgumentException("Namespace must not be empty.", nameof(Namespace));
        }

        RequireTimeout(CommitTimeout, nameof(CommitTimeout));
        RequireTimeout(ReadTimeout, nameof(ReadTimeout));
        RequireTimeout(ReconnectInterval, nameof(ReconnectInterval));
        if (FollowPollInterval < TimeSpan.FromMilliseconds(10) || FollowPollInterval > s_maxTimeout)
        {
            throw new ArgumentException($"FollowPollInterval must be between 10 ms and {s_maxTimeout.TotalDays} day, got {FollowPollInterval}.", nameof(FollowPollInterval));
        }

        RequireAttempts(MaxCommitAttempts, nameof(MaxCommitAttempts));
        RequireAttempts(MaxReadAttempts, nameof(MaxReadAttempts));

        if (MaxMessageBytes is < 1024 or > 512 << 20)
        {
            throw new ArgumentException($"MaxMessageBytes must be between 1024 and {512 << 20}, got {MaxMessageBytes}.", nameof(MaxMessageBytes));
        }

        if (CommitDeadline == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException(
                "CommitDeadline must not be Timeout.InfiniteTimeSpan: the worker refuses a commit without a deadline (it detects resent txn_ids only for its Statehouse:Commit:InboxRetention, default 7 days); use null (automatic) or a positive span within that retention.",
                nameof(CommitDeadline));
        }

        if (CommitDeadline is { } deadline && deadline <= TimeSpan.Zero)
        {
            throw new ArgumentException($"CommitDeadline must be positive or null (automatic), got {deadline}.", nameof(CommitDeadline));
        }

        if (ValueSerializerOptions is null)
        {
            throw new ArgumentException("ValueSerializerOptions must not be null.", nameof(ValueSerializerOptions));
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException("TimeProvider must not be null.", nameof(TimeProvider));
        }
    }

    /// <summary>The span from a commit's start to its deadline.</summary>
    internal TimeSpan EffectiveCommitDeadline() => CommitDeadline ?? (CommitTimeout * MaxCommitAttempts) + TimeSpan.FromMinutes(1);

    /// <summary>The broker nodes to connect to: <see cref="Uris"/>, or <see cref="Uri"/> alone when it is empty.</summary>
    internal IReadOnlyList<Uri> BrokerNodes() => Uris.Count > 0 ? [.. Uris] : [Uri];

    /// <summary>A copy, so that changing the options after connecting does not change a running client.</summary>
    internal StatehouseClientOptions Clone()
    {
        var copy = (StatehouseClientOptions)MemberwiseClone();
        copy.Uris = [.. Uris];
        return copy;
    }

    private static void RequireTimeout(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > s_maxTimeout)
        {
            throw new ArgumentException($"{name} must be greater than zero and at most {s_maxTimeout.TotalDays} day, got {value}.", name);
        }
    }

    private static void RequireAttempts(int value, string name)
    {
        if (value is < 1 or > 100)
        {
            throw new ArgumentException($"{name} must be between 1 and 100, got {value}.", name);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex QueuePrefixPattern();
}
