using Statehouse.Worker.Commit;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Messaging;

/// <summary>
/// The real commit engine with injected failures: the next <see cref="FailStorage"/> groups fail as a broken disk
/// does (<see cref="StorageWriteException"/>, nothing written), and a group holding <see cref="PoisonMessageId"/>
/// fails as a bug does. Each write that returned is recorded as a <c>write</c> event.
/// </summary>
internal sealed class FaultingApplier(CommitEngine engine, LoopEvents events) : ICommitApplier
{
    private int _storageFailures;

    public string? PoisonMessageId { get; init; }

    public void FailStorage(int groups) => Interlocked.Exchange(ref _storageFailures, groups);

    public CommitGroupResult Apply(IReadOnlyList<CommitRequest> requests) => Write(Decide(requests), position: null);

    public DecidedGroup Decide(IReadOnlyList<CommitRequest> requests)
    {
        if (PoisonMessageId is { } poison && requests.Any(r => r.MessageId == poison))
        {
            throw new InvalidOperationException("injected: a bug that fails on " + poison);
        }

        return engine.Decide(requests);
    }

    public CommitGroupResult Write(DecidedGroup group, ReplicationPosition? position)
    {
        if (Interlocked.Decrement(ref _storageFailures) >= 0)
        {
            throw new StorageWriteException("injected: the disk failed");
        }

        var result = engine.Write(group, position);
        events.Add(new LoopEvent("write", Id: string.Join(",", group.Outcomes.Select(o => o.Reply.TxnId))));
        return result;
    }

    public void Forget()
    {
        events.Add(new LoopEvent("forget"));
        engine.Forget();
    }

    public bool TryRecoverStorage(out string? error)
    {
        events.Add(new LoopEvent("recover"));
        return engine.TryRecoverStorage(out error);
    }
}
