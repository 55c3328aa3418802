using Microsoft.Extensions.Logging.Abstractions;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Tests.Replication;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Tests.Messaging;

/// <summary>
/// A <see cref="CommitLoop"/> over a real temporary RocksDB store (<see cref="TempStore"/>), with recording
/// settlements for broker sessions, injectable engine failures and a clock the test moves (<see cref="ObservedTime"/>);
/// replicated, through a <see cref="ReplicationCoordinator"/> and an in-memory log (<see cref="MemoryLog"/>).
/// Deliveries queued before <see cref="Start"/> are all ready when the loop takes its first group.
/// </summary>
internal sealed class CommitLoopHarness : IAsyncDisposable
{
    public const string ReplyQueue = "replies";

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _following = [];
    private readonly List<RecordingSettlement> _sessions = [];
    private Task _run = Task.CompletedTask;

    /// <param name="replicated">
    /// Commit through the log: a <see cref="ReplicationCoordinator"/> over the in-memory <see cref="Log"/>, each session
    /// with its own <see cref="LogFollower"/> (<see cref="Session"/>).
    /// </param>
    /// <param name="log">Replicated: the log to share with another harness (another worker with its own store); default a new one.</param>
    /// <param name="maxRecordBytes">Replicated: <see cref="ReplicationOptions.MaxRecordBytes"/>.</param>
    public CommitLoopHarness(
        CommitOptions? options = null, int deliveryLimit = 20, string? poisonMessageId = null, bool replicated = false, MemoryLog? log = null,
        long maxRecordBytes = 64L << 20)
    {
        Log = log ?? new MemoryLog();
        Applier = new FaultingApplier(Store.Engine, Events) { PoisonMessageId = poisonMessageId };
        Replication = replicated
            ? new ReplicationCoordinator(Applier, Store.Store, new ReplicationOptions { TakeoverTimeoutSeconds = 30, PublishTimeoutSeconds = 2, MaxRecordBytes = maxRecordBytes }, Health, TimeProvider.System,
                NullLogger<ReplicationCoordinator>.Instance)
            : null;
        Loop = new CommitLoop(Applier, Health, options ?? new CommitOptions(), new DeliveryBudget(1L << 30, 1L << 20, Prefetch: 64),
            deliveryLimit, Counters, Time, NullLogger.Instance, Replication);
    }

    public TempStore Store { get; } = new();

    public LoopEvents Events { get; } = new();

    public FaultingApplier Applier { get; }

    public WorkerHealth Health { get; } = new();

    public WorkerCounters Counters { get; } = new(TimeProvider.System);

    public ObservedTime Time { get; } = new();

    public CommitLoop Loop { get; }

    /// <summary>Replicated harness: the coordinator the loop commits through; null otherwise.</summary>
    public ReplicationCoordinator? Replication { get; }

    /// <summary>Replicated harness: the log stream, fed by the sessions' confirmed log publishes.</summary>
    public MemoryLog Log { get; }

    /// <summary>
    /// A new broker session. Replicated: its log publishes go to <see cref="Log"/>, and its follower (reading
    /// <see cref="Log"/> from the store's position until the session closes) becomes the coordinator's.
    /// </summary>
    public RecordingSettlement Session(string name)
    {
        var session = new RecordingSettlement(Events, name);
        _sessions.Add(session);
        if (Replication is { } replication)
        {
            session.Log = Log.Append;
            var follower = new LogFollower(Store.Store, "test.log", prefetch: 1024, (_, _) => ValueTask.CompletedTask, session.Abandon, Health,
                Counters, TimeProvider.System, NullLogger.Instance);
            // Waits for a group of an earlier session still finishing (it was just abandoned).
            Assert.True(replication.FollowAsync(follower, CancellationToken.None).Wait(TimeSpan.FromSeconds(30)), "a group stayed in flight");
            Log.Attach(follower);
            _following.Add(Task.Run(() => follower.RunAsync(session.Closing)));
        }

        return session;
    }

    /// <summary>
    /// Queues a delivery of a transaction writing <paramref name="txnId"/>/k (message_id and correlation_id
    /// <paramref name="txnId"/>, a reply queue), or of <paramref name="body"/> when given (undecodable bytes, say).
    /// </summary>
    public ValueTask DeliverAsync(
        RecordingSettlement on, ulong tag, string txnId, byte[]? body = null, int deliveryCount = 0, bool redelivered = false)
    {
        body ??= WireFormat.Serialize(TempStore.EnvelopeWithId(txnId, Operation.Write("agent", txnId, TempStore.Value(txnId))));
        return Loop.Deliveries.WriteAsync(new CommitDelivery(on, tag, body)
        {
            MessageId = txnId,
            CorrelationId = txnId,
            ReplyTo = ReplyQueue,
            DeliveryCount = deliveryCount,
            Redelivered = redelivered,
        });
    }

    public void Start() => _run = Task.Run(() => Loop.RunAsync(_stopping.Token, CancellationToken.None));

    /// <summary>The actions of <see cref="Events"/> as text, in order (see <see cref="LoopEvent.ToString"/>).</summary>
    public IReadOnlyList<string> Trace() => [.. Events.All.Select(e => e.ToString())];

    /// <summary>The same, only the events of <paramref name="action"/> (write, ack, ...).</summary>
    public IReadOnlyList<string> Trace(string action) => [.. Events.All.Where(e => e.Action == action).Select(e => e.ToString())];

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var settlement in _sessions)
        {
            settlement.Close();
        }

        await Task.WhenAll(_following).WaitAsync(TimeSpan.FromSeconds(30));
        Store.Dispose();
        _stopping.Dispose();
    }
}
