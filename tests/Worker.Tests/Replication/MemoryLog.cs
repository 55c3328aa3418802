using Statehouse.Worker.Replication;

namespace Statehouse.Worker.Tests.Replication;

/// <summary>
/// The log stream in memory: records get offsets 0, 1, 2 … in append order, and every attached follower is delivered
/// each record from its start offset on, in order, as the broker's log consumer would (the body serialized and decoded).
/// </summary>
internal sealed class MemoryLog
{
    private readonly List<LogRecord> _records = [];
    private readonly List<Attached> _followers = [];

    public IReadOnlyList<LogRecord> Records
    {
        get
        {
            lock (_records)
            {
                return [.. _records];
            }
        }
    }

    /// <summary>Appends <paramref name="record"/> (a confirmed publish) and delivers it to every attached follower.</summary>
    public void Append(LogRecord record)
    {
        lock (_records)
        {
            _records.Add(record);
            foreach (var attached in _followers)
            {
                Deliver(attached, _records.Count - 1);
            }
        }
    }

    /// <summary>Delivers the records from <paramref name="follower"/>'s start offset, and every later one.</summary>
    public void Attach(LogFollower follower)
    {
        lock (_records)
        {
            var attached = new Attached(follower);
            for (var offset = (int)follower.StartPosition.ResumeOffset; offset < _records.Count; offset++)
            {
                Deliver(attached, offset);
            }

            _followers.Add(attached);
        }
    }

    private void Deliver(Attached attached, int offset)
    {
        var delivery = new LogDelivery(offset, ++attached.Tags, _records[offset].Serialize());
        Assert.True(attached.Follower.Deliveries.TryWrite(delivery), "the follower's queue is full: give it a larger prefetch in the test");
    }

    private sealed class Attached(LogFollower follower)
    {
        public LogFollower Follower { get; } = follower;

        public ulong Tags { get; set; }
    }
}
