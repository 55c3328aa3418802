using System.Numerics;
using Statehouse.Worker.Commit;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// How many commit deliveries the broker may push ahead (the AMQP prefetch) so that the bytes the worker holds delivered
/// and not yet written stay within <see cref="CommitOptions.MemoryBudgetBytes"/>, whatever the message sizes.
/// RabbitMQ limits unacknowledged deliveries by count only (basic.qos <c>prefetch_size</c> is not implemented), and
/// RabbitMQ.Client 7 reads every delivery of that window off the socket into its unbounded dispatch queue, so a
/// consumer that waits does not leave bytes on the broker. The one hard bound is a count: each delivery is charged at
/// the largest body accepted (<see cref="LimitOptions.MaxMessageBytes"/>), rounded up to the power of two of the pooled
/// buffer (<c>ArrayPool&lt;byte&gt;.Shared</c>) that the client and the worker receive a body into.
/// </summary>
/// <param name="BudgetBytes">The configured budget, bytes.</param>
/// <param name="BytesPerDelivery">What one delivery may take in memory, bytes.</param>
/// <param name="Prefetch">The prefetch count used: the configured one, lowered until Prefetch × BytesPerDelivery fits the budget; 0 when not even one delivery fits.</param>
internal readonly record struct DeliveryBudget(long BudgetBytes, long BytesPerDelivery, int Prefetch)
{
    public static DeliveryBudget For(CommitOptions commit, LimitOptions limits)
    {
        var perDelivery = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, limits.MaxMessageBytes));
        var prefetch = (int)Math.Min(commit.Prefetch, commit.MemoryBudgetBytes / perDelivery);
        return new DeliveryBudget(commit.MemoryBudgetBytes, perDelivery, prefetch);
    }
}
