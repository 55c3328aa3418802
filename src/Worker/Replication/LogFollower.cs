using System.Threading.Channels;
using MessagePack;
using Microsoft.Extensions.Logging;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Replication;

/// <summary>
/// Follows the log stream on one broker session (docs/replication.md, "Following the log"): every delivered record goes
/// through a <see cref="LogCursor"/> started at the store's position. In replica mode the valid groups delivered so far
/// are applied as one synced write with the new position (<see cref="LogApplier"/>); in primary mode the store is written
/// by the commit loop, and the follower only checks the records and waits for a group the store is still writing. A
/// worker that becomes active watches for its own epoch marker (<see cref="WatchMarker"/>): once read, valid, with
/// everything before it applied, the follower is in primary mode. A newer marker read in primary mode fences it: back to
/// replica mode, and the session is given up. When the store and the log disagree the follower stops and
/// <see cref="Refused"/> says why and how to repair. Fed through <see cref="Deliveries"/> (the broker's log consumer);
/// acknowledges through the session's log channel. Thread-safe where the commit loop calls it.
/// </summary>
internal sealed class LogFollower
{
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_maxRetry = TimeSpan.FromSeconds(30);

    private readonly StateStore _store;
    private readonly LogApplier _applier;
    private readonly string _logStream;
    private readonly int _maxRun;
    private readonly Func<ulong, CancellationToken, ValueTask> _acknowledge;
    private readonly Action<string> _abandon;
    private readonly WorkerHealth _health;
    private readonly WorkerCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<LogDelivery> _deliveries;
    private readonly TaskCompletionSource<string> _refused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly LogCursor _cursor;
    private readonly List<LogRecord> _run = [];
    private Guid _watchedMarker;
    private TaskCompletionSource<bool>? _markerRead;
    private TaskCompletionSource _storeAdvanced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="store">The worker's store; the cursor starts at its <see cref="StateStore.Position"/>.</param>
    /// <param name="logStream">The log stream's name, for messages.</param>
    /// <param name="prefetch">The log consumer's prefetch: bounds the delivered records waiting here and one applied run.</param>
    /// <param name="acknowledge">basic.ack (multiple) of a delivery tag on the log channel.</param>
    /// <param name="abandon">Gives the session up (fenced in primary mode, or the follower failed).</param>
    /// <param name="health">Told of storage failures and recoveries of the follower's writes.</param>
    /// <param name="counters">Its last commit_ts moves with every applied run.</param>
    /// <param name="time">The clock of the retries after a failed write.</param>
    /// <param name="logger">The follower's logger.</param>
    public LogFollower(
        StateStore store, string logStream, int prefetch, Func<ulong, CancellationToken, ValueTask> acknowledge, Action<string> abandon,
        WorkerHealth health, WorkerCounters counters, TimeProvider time, ILogger logger)
    {
        _store = store;
        _applier = new LogApplier(store);
        _logStream = logStream;
        _maxRun = prefetch;
        _acknowledge = acknowledge;
        _abandon = abandon;
        _health = health;
        _counters = counters;
        _time = time;
        _logger = logger;
        StartPosition = store.Position;
        _cursor = new LogCursor(StartPosition, store.LastCommitTs);
        _deliveries = Channel.CreateBounded<LogDelivery>(new BoundedChannelOptions(prefetch)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Where the log consumer puts deliveries, in stream order.</summary>
    public ChannelWriter<LogDelivery> Deliveries => _deliveries.Writer;

    /// <summary>The store's position when the follower started: read the stream from its resume offset.</summary>
    public ReplicationPosition StartPosition { get; }

    /// <summary>Completes, with the message to log and report, when this store cannot follow the log: the worker must stop.</summary>
    public Task<string> Refused => _refused.Task;

    /// <summary>The highest epoch read in the log so far (0 before the first marker).</summary>
    public long HighestEpoch
    {
        get
        {
            lock (_lock)
            {
                return _cursor.CurrentEpoch;
            }
        }
    }

    /// <summary>True once this worker's own marker was read and valid, until a newer one fences it.</summary>
    public bool IsPrimary
    {
        get
        {
            lock (_lock)
            {
                return _cursor.IsPrimary;
            }
        }
    }

    /// <summary>
    /// Watches for the marker <paramref name="markerId"/> (call before publishing it). The task completes with true once
    /// the follower read it valid, applied everything before it and switched to primary mode; with false when it was void
    /// (a marker of an epoch as high came first). It faults when the follower refused or stopped first.
    /// </summary>
    public Task<bool> WatchMarker(Guid markerId)
    {
        var read = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _markerRead?.TrySetCanceled();
            _watchedMarker = markerId;
            _markerRead = read;
        }

        if (_refused.Task.IsCompleted)
        {
            read.TrySetException(new InvalidOperationException("The log follower refused: " + _refused.Task.Result));
        }

        return read.Task;
    }

    /// <summary>
    /// Primary mode: the position to write with the group <paramref name="seq"/> of <paramref name="epoch"/>: that group
    /// as the store's last, and the resume point after the records read so far (all of which the store has).
    /// </summary>
    public ReplicationPosition PrimaryPosition(long epoch, long seq)
    {
        lock (_lock)
        {
            return new ReplicationPosition(epoch, seq, _cursor.NextOffset, _cursor.CurrentEpoch, _cursor.LastValidSeq);
        }
    }

    /// <summary>Primary mode: the commit loop wrote the group <paramref name="seq"/> of <paramref name="epoch"/>, ending at <paramref name="lastCommitTs"/>.</summary>
    public void StoreAdvanced(long epoch, long seq, long lastCommitTs)
    {
        TaskCompletionSource advanced;
        lock (_lock)
        {
            _cursor.StoreAdvanced(epoch, seq, lastCommitTs);
            advanced = _storeAdvanced;
            _storeAdvanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        advanced.TrySetResult();
    }

    /// <summary>
    /// Reads deliveries until <paramref name="closing"/> (the session) is cancelled, the deliveries end, or the follower
    /// refuses. Never throws: an unexpected failure is logged and gives the session up.
    /// </summary>
    public async Task RunAsync(CancellationToken closing)
    {
        var reader = _deliveries.Reader;
        try
        {
            if (!_health.StorageWritable)
            {
                await WriteAsync(() => _applier.Apply([], _store.Position), closing);
            }

            while (await reader.WaitToReadAsync(closing))
            {
                ulong lastTag = 0;
                while (_run.Count < _maxRun && reader.TryRead(out var delivery))
                {
                    if (!await FollowAsync(delivery, closing))
                    {
                        return;
                    }

                    lastTag = delivery.DeliveryTag;
                }

                await ApplyRunAsync(closing);
                if (lastTag != 0)
                {
                    // A stream consumer's acks only return credit: the records stay in the stream for every reader.
                    await _acknowledge(lastTag, closing);
                }
            }
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            // The session is gone; the next one starts from the store's position.
        }
        catch (Exception ex)
        {
            _logger.LogFollowerFailed(_logStream, ex);
            _abandon("the log follower failed: " + ex.Message);
        }
        finally
        {
            lock (_lock)
            {
                _markerRead?.TrySetCanceled();
            }
        }
    }

    /// <summary>One record through the cursor; false when the follower refused (and stopped).</summary>
    private async Task<bool> FollowAsync(LogDelivery delivery, CancellationToken closing)
    {
        LogRecord record;
        try
        {
            record = LogRecord.Deserialize(delivery.Body);
        }
        catch (MessagePackSerializationException e)
        {
            await RefuseAsync($"the message at log offset {delivery.Offset} is not a log record ({e.Message})", closing);
            return false;
        }

        while (true)
        {
            LogVerdict verdict;
            Task advanced;
            lock (_lock)
            {
                verdict = _cursor.Read(delivery.Offset, record);
                advanced = _storeAdvanced.Task;
            }

            switch (verdict.Step)
            {
                case LogStep.Apply:
                    _run.Add(record);
                    return true;
                case LogStep.Skip:
                    return true;
                case LogStep.MarkerSeen:
                    await ApplyRunAsync(closing);
                    OnMarker(verdict);
                    return true;
                case LogStep.Ahead:
                    // Our own group: confirmed, so the commit loop is writing it now (or gives the session up).
                    await advanced.WaitAsync(closing);
                    continue;
                default:
                    await RefuseAsync(verdict.Reason!, closing);
                    return false;
            }
        }
    }

    private void OnMarker(LogVerdict marker)
    {
        TaskCompletionSource<bool>? watcher = null;
        var fenced = false;
        lock (_lock)
        {
            if (marker.MarkerId == _watchedMarker && _markerRead is { } read)
            {
                watcher = read;
                _markerRead = null;
                if (marker.MarkerValid)
                {
                    _cursor.BecomePrimary();
                }
            }
            else if (marker.MarkerValid && _cursor.IsPrimary)
            {
                _cursor.BecomeReplica();
                fenced = true;
            }
        }

        _logger.LogMarkerRead(marker.Epoch, marker.MarkerValid, watcher is not null);
        watcher?.TrySetResult(marker.MarkerValid);
        if (fenced)
        {
            // Another worker is active under a higher epoch: whatever this one still publishes is void.
            _health.SetRole("replica");
            _abandon($"fenced: a marker of epoch {marker.Epoch} in the log");
        }
    }

    /// <summary>Writes the applied records delivered so far, with the position after them, as one synced write.</summary>
    private async Task ApplyRunAsync(CancellationToken closing)
    {
        if (_run.Count == 0)
        {
            return;
        }

        ReplicationPosition position;
        lock (_lock)
        {
            position = _cursor.Position;
        }

        await WriteAsync(() => _applier.Apply(_run, position), closing);
        var last = _run[^1];
        _counters.SetLastCommitTs(last.LastCommitTs);
        _logger.LogApplied(_run.Count, last.Seq, last.LastCommitTs);
        _run.Clear();
    }

    /// <summary>
    /// Runs <paramref name="write"/> until it succeeds: after a failed write the store is reopened and the same write tried
    /// again, with a growing pause, while health says why.
    /// </summary>
    private async Task WriteAsync(Action write, CancellationToken closing)
    {
        for (var failures = 0; ; failures++)
        {
            if (failures > 0 && !_store.TryReopen(out var reopenError))
            {
                _health.StorageFailed("The store cannot be reopened yet: " + reopenError);
            }
            else
            {
                try
                {
                    write();
                    if (failures > 0 || !_health.StorageWritable)
                    {
                        _health.StorageRecovered();
                        _logger.StorageRecovered();
                    }

                    return;
                }
                catch (StorageWriteException ex)
                {
                    _health.StorageFailed(ex.Message);
                    _logger.LogApplyFailed(ex.Message);
                }
            }

            var pause = TimeSpan.FromTicks(Math.Min(s_maxRetry.Ticks, s_firstRetry.Ticks << Math.Min(failures, 16)));
            await Task.Delay(pause, _time, closing);
        }
    }

    private async Task RefuseAsync(string reason, CancellationToken closing)
    {
        await ApplyRunAsync(closing);
        var position = _store.Position;
        var message =
            $"The store at '{_store.Path}' cannot follow the log {_logStream}: {reason}. Its position: epoch {position.Epoch}, seq " +
            $"{position.Seq}, last commit_ts {_store.LastCommitTs}, resume offset {position.ResumeOffset}. It serves nothing: it " +
            $"commits nothing and answers no reads, so nothing the log voided or lacks is ever served. Re-seed it: stop this " +
            $"worker, run `statehouse reseed --store {_store.Path}` (add `--from-backup DIR` to start from a backup checkpoint), and " +
            "start it again; it catches up from the log. See docs/operations.md, \"Re-seed a replica\".";
        lock (_lock)
        {
            _markerRead?.TrySetException(new InvalidOperationException("The log follower refused: " + reason));
            _markerRead = null;
        }

        _refused.TrySetResult(message);
    }
}
