using Statehouse.Contracts;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Replication;

namespace Statehouse.Worker.Tests.Messaging;

/// <summary>
/// A broker session as the commit loop sees it, recording every settlement into <see cref="LoopEvents"/>. Dead-letter
/// copies and log records are confirmed unless a failure was queued (<see cref="FailNextDeadLetters"/>,
/// <see cref="FailNextLogPublishes"/>).
/// </summary>
internal sealed class RecordingSettlement(LoopEvents events, string name) : ICommitSettlement
{
    private readonly Queue<string> _deadLetterFailures = new();
    private readonly CancellationTokenSource _closing = new();
    private int _logFailures;
    private int _withheldConfirms;
    private volatile bool _open = true;

    public string Name => name;

    public bool IsOpen => _open;

    /// <summary>The session is lost: from now on nothing it delivered may be settled.</summary>
    public void Close()
    {
        _open = false;
        _closing.Cancel();
    }

    /// <summary>Cancelled when the session is lost (its log follower stops).</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>The next <paramref name="count"/> dead-letter copies fail with <paramref name="failure"/>.</summary>
    public void FailNextDeadLetters(int count, string failure)
    {
        lock (_deadLetterFailures)
        {
            for (var i = 0; i < count; i++)
            {
                _deadLetterFailures.Enqueue(failure);
            }
        }
    }

    /// <summary>While set and not completed, replies wait for it: the loop stays inside a group while the test queues more.</summary>
    public TaskCompletionSource? ReplyGate { get; set; }

    public async ValueTask ReplyAsync(string replyTo, string? correlationId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken)
    {
        var code = WireFormat.Deserialize<CommitReply>(reply).ErrorCode;
        if (ReplyGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        events.Add(new LoopEvent("reply", this, Id: correlationId, Detail: code == ErrorCode.None ? null : code.ToWireName()));
    }

    public ValueTask AnnounceAsync(string txnId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken)
    {
        events.Add(new LoopEvent("announce", this, Id: txnId));
        return ValueTask.CompletedTask;
    }

    public Task<string?> DeadLetterAsync(CommitDelivery delivery, string reason, ErrorCode code, CancellationToken cancellationToken)
    {
        string? failure;
        lock (_deadLetterFailures)
        {
            _deadLetterFailures.TryDequeue(out failure);
        }

        events.Add(new LoopEvent("dead-letter", this, delivery.DeliveryTag, Id: delivery.MessageId, Detail: failure ?? reason));
        return Task.FromResult(failure);
    }

    public Task<string?> DeclareDeadLetterAsync(CancellationToken cancellationToken)
    {
        events.Add(new LoopEvent("declare", this));
        return Task.FromResult<string?>(null);
    }

    public ValueTask AckAsync(ulong deliveryTag, bool multiple, CancellationToken cancellationToken)
    {
        events.Add(new LoopEvent("ack", this, deliveryTag, multiple));
        return ValueTask.CompletedTask;
    }

    public ValueTask RequeueAsync(ulong deliveryTag, bool multiple, CancellationToken cancellationToken)
    {
        events.Add(new LoopEvent("requeue", this, deliveryTag, multiple));
        return ValueTask.CompletedTask;
    }

    /// <summary>Where confirmed log records go (the harness's in-memory log); none: they are only recorded.</summary>
    public Action<LogRecord>? Log { get; set; }

    /// <summary>The next <paramref name="count"/> group records fail as a basic.nack does (nothing reaches the log); markers pass.</summary>
    public void FailNextLogPublishes(int count) => Interlocked.Exchange(ref _logFailures, count);

    /// <summary>Records <c>log</c> with <c>marker E</c> or <c>group E/S</c> (epoch, seq), then hands the record to <see cref="Log"/>.</summary>
    /// <summary>The next group record's confirm never comes: its publish waits until it is cancelled.</summary>
    public void WithholdNextLogConfirm() => Interlocked.Exchange(ref _withheldConfirms, 1);

    public async Task PublishLogAsync(LogRecord record, CancellationToken cancellationToken)
    {
        var id = record.Kind == LogRecordKind.Marker ? $"marker {record.Epoch}" : $"group {record.Epoch}/{record.Seq}";
        if (record.Kind == LogRecordKind.Group && Interlocked.Exchange(ref _withheldConfirms, 0) == 1)
        {
            events.Add(new LoopEvent("log", this, Id: id, Detail: "unconfirmed"));
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (record.Kind == LogRecordKind.Group && Interlocked.Decrement(ref _logFailures) >= 0)
        {
            events.Add(new LoopEvent("log", this, Id: id, Detail: "nacked"));
            throw new InvalidOperationException("injected: the broker refused the log record (basic.nack)");
        }

        events.Add(new LoopEvent("log", this, Id: id));
        Log?.Invoke(record);
    }

    public void Abandon(string reason)
    {
        events.Add(new LoopEvent("abandon", this, Detail: reason));
        Close();
    }

    public override string ToString() => name;
}
