using Statehouse.Client;
using Statehouse.Client.Exceptions;
using Statehouse.Contracts;

namespace Statehouse.Integration.Tests.Following;

/// <summary>
/// A history of commits, some touching the followed filter, and workers that each have applied a prefix of it, answering
/// replay pages as the read service does (a consistent prefix, <see cref="PageSize"/> events, the next start when more
/// remains; NOT_CAUGHT_UP below a min_commit_ts). <see cref="Answering"/> picks the worker of the next read; a queued
/// failure is thrown by the next read instead. Thread-safe.
/// </summary>
internal sealed class ScriptedReplay
{
    private readonly Lock _gate = new();
    private readonly List<(long CommitTs, bool Matches)> _commits = [];
    private readonly Queue<Exception> _failures = new();
    private readonly List<long> _applied = [];
    private readonly List<(long From, long MinCommitTs)> _reads = [];
    private TaskCompletionSource _read = NewSignal();

    public ScriptedReplay(int workers) => _applied.AddRange(Enumerable.Repeat(0L, workers));

    public int PageSize { get; init; } = 2;

    /// <summary>The worker that answers the next reads.</summary>
    public int Answering { get; set; }


    /// <summary>Completes at the next read.</summary>
    public Task NextRead
    {
        get
        {
            lock (_gate)
            {
                return _read.Task;
            }
        }
    }

    /// <summary>Every (start, min_commit_ts) asked for so far, in order.</summary>
    public IReadOnlyList<(long From, long MinCommitTs)> ReadsSoFar()
    {
        lock (_gate)
        {
            return [.. _reads];
        }
    }

    /// <summary>Commits <paramref name="count"/> transactions, every <paramref name="matchEvery"/>-th touching the filter; applied by <paramref name="appliedBy"/> workers.</summary>
    public void Commit(int count, int matchEvery = 1, params int[] appliedBy)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _commits.Add((_commits.Count + 1, (_commits.Count + 1) % matchEvery == 0));
            }

            foreach (var worker in appliedBy.Length == 0 ? Enumerable.Range(0, _applied.Count) : appliedBy)
            {
                _applied[worker] = _commits.Count;
            }
        }
    }

    /// <summary>Lets <paramref name="worker"/> catch up with every commit.</summary>
    public void CatchUp(int worker)
    {
        lock (_gate)
        {
            _applied[worker] = _commits.Count;
        }
    }

    public void FailNext(Exception failure)
    {
        lock (_gate)
        {
            _failures.Enqueue(failure);
        }
    }

    /// <summary>The commit_ts of every commit that touches the filter.</summary>
    public IReadOnlyList<long> Matching()
    {
        lock (_gate)
        {
            return [.. _commits.Where(c => c.Matches).Select(c => c.CommitTs)];
        }
    }

    public Task<ReplayPage> ReadPageAsync(long from, long minCommitTs, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _reads.Add((from, minCommitTs));
            _read.TrySetResult();
            _read = NewSignal();
            if (_failures.TryDequeue(out var failure))
            {
                return Task.FromException<ReplayPage>(failure);
            }

            var applied = _applied[Answering];
            if (applied < minCommitTs)
            {
                return Task.FromException<ReplayPage>(new StatehouseNotCaughtUpException($"worker {Answering} has applied up to {applied}, below {minCommitTs}"));
            }

            var events = new List<ReplayEvent>();
            long next = 0;
            foreach (var (commitTs, matches) in _commits.Where(c => c.CommitTs >= from && c.CommitTs <= applied))
            {
                if (!matches)
                {
                    continue;
                }

                if (events.Count == PageSize)
                {
                    next = commitTs;
                    break;
                }

                events.Add(new ReplayEvent($"txn-{commitTs}", commitTs, "agent", []));
            }

            return Task.FromResult(new ReplayPage(events, next));
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
