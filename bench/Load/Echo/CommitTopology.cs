using Statehouse.Contracts;
using Statehouse.Testing.Brokers;
using Statehouse.Worker.Messaging;

namespace Statehouse.Bench.Echo;

/// <summary>
/// The rest of the worker's topology the bench needs: the echo server declares its queues with the worker's own
/// <see cref="Topology"/> (the bench references the worker); this removes a run's queues and exchanges afterwards.
/// </summary>
internal static class CommitTopology
{
    /// <summary>The worker's default <c>Statehouse:Broker:DeliveryLimit</c>.</summary>
    public const int DefaultDeliveryLimit = 20;

    /// <summary>Deletes every queue and exchange of <paramref name="names"/> (best effort); returns what could not be deleted.</summary>
    public static Task<IReadOnlyList<string>> DeleteAsync(Uri uri, TopologyNames names, CancellationToken ct) => TestTopology.DeleteAsync(uri, names, ct);
}
