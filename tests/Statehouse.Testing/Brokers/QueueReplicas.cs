namespace Statehouse.Testing.Brokers;

/// <summary>
/// Where the replicas of a quorum queue or stream run, as rabbitmqctl <c>list_queues</c> reports it; nodes are the
/// 1-based numbers of <see cref="ClusterFixture"/>.
/// </summary>
/// <param name="Queue">The queue's name.</param>
/// <param name="Type"><c>quorum</c> or <c>stream</c>.</param>
/// <param name="Leader">The node of the leader (quorum queue) or writer (stream).</param>
/// <param name="Members">The nodes with a replica.</param>
/// <param name="Online">The members that run.</param>
public sealed record QueueReplicas(string Queue, string Type, int Leader, IReadOnlyList<int> Members, IReadOnlyList<int> Online)
{
    public override string ToString() =>
        $"{Type} {Queue}: leader node {Leader}, members [{string.Join(", ", Members)}], online [{string.Join(", ", Online)}]";
}
