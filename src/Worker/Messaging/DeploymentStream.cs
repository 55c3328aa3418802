using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Contracts;

namespace Statehouse.Worker.Messaging;

/// <summary>
/// Reads the first claim of <see cref="TopologyNames.DeploymentStream"/>, claiming the deployment for this worker's
/// store when the stream is still empty. The first message wins: two fresh workers that both claim read back the same
/// first claim, so exactly one of them owns the deployment. A stream is never consumed away, so every worker of the
/// prefix, now or later, sees that same first message.
/// </summary>
internal static class DeploymentStream
{
    /// <summary>
    /// How long a stream that the broker counted as holding messages may stay silent before this worker claims anyway
    /// (the count is the broker's, not a promise). A claim published although the stream was not empty lands after
    /// the first message and changes nothing.
    /// </summary>
    private static readonly TimeSpan s_claimAfter = TimeSpan.FromSeconds(5);

    /// <summary>Bound on reading the first message once a claim is confirmed.</summary>
    private static readonly TimeSpan s_readTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Declares the stream, consumes it from its first offset, and returns the first claim. When the declare counts no
    /// message (or nothing arrives within 5 s), publishes <paramref name="claim"/> (persistent, mandatory, confirmed)
    /// and keeps reading.
    /// <paramref name="channel"/> must have publisher confirmations enabled and tracked; its QoS is changed.
    /// Throws <see cref="MessagePack.MessagePackSerializationException"/> when the first message is not a claim,
    /// <see cref="TimeoutException"/> when the first message never arrives, and broker errors as they come.
    /// </summary>
    public static async Task<DeploymentClaim> ReadOrClaimAsync(
        IChannel channel, TopologyNames names, DeploymentClaim claim, TimeProvider time, CancellationToken cancellationToken)
    {
        var declared = await Topology.DeclareDeploymentStreamAsync(channel, names, cancellationToken);
        // Stream consumers must have a prefetch and ack manually; one message is all this reads.
        await channel.BasicQosAsync(0, prefetchCount: 1, global: false, cancellationToken);

        var first = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            first.TrySetResult(delivery.Body.ToArray());
            return Task.CompletedTask;
        };
        var arguments = new Dictionary<string, object?> { ["x-stream-offset"] = "first" };
        await channel.BasicConsumeAsync(names.DeploymentStream, autoAck: false, consumerTag: string.Empty, noLocal: false,
            exclusive: false, arguments, consumer, cancellationToken);

        var claimNow = declared.MessageCount == 0;
        if (!claimNow)
        {
            using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            claimNow = await Task.WhenAny(first.Task, Task.Delay(s_claimAfter, time, silence.Token)) != first.Task;
            await silence.CancelAsync();
        }

        if (claimNow)
        {
            var properties = new BasicProperties
            {
                Persistent = true,
                ContentType = WireFormat.ContentType,
                MessageId = claim.StoreId.ToString(),
                Headers = new Dictionary<string, object?> { [MessageHeaders.MessageType] = "deployment-claim" },
            };
            await channel.BasicPublishAsync(string.Empty, names.DeploymentStream, mandatory: true, properties,
                WireFormat.Serialize(claim), cancellationToken);
        }

        var body = await first.Task.WaitAsync(s_readTimeout, time, cancellationToken);
        return WireFormat.Deserialize<DeploymentClaim>(body);
    }
}
