using System.Diagnostics;
using MessagePack;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Statehouse.Bench.Modes;
using Statehouse.Bench.Processes;
using Statehouse.Contracts;
using Statehouse.Testing.Processes;

namespace Statehouse.Bench.Rss;

/// <summary>
/// The backlog check of issue 9: with no worker running, <c>count</c> transactions of <c>values</c> values of just under
/// 1 MiB each are queued; then one worker (default settings) starts and applies them all. The figure is the worker's peak
/// resident set (VmHWM), which must not grow with the backlog or the message size.
/// </summary>
internal sealed class BurstCheck(RunSettings settings)
{
    private const int ValueBytes = (1 << 20) - 64;

    /// <summary>Queues the backlog, runs the worker over it, returns its peak RSS in bytes and the seconds it took.</summary>
    public async Task<(long PeakRssBytes, double Seconds, int Answered)> RunAsync(int values, int count, CancellationToken ct)
    {
        var prefix = settings.Prefix($"burst{values}");
        var names = new TopologyNames(prefix);
        // Messages up to 16 MiB are accepted (RabbitMQ 4's max_message_size); the budget then allows a prefetch of 16.
        string[] limit = ["--Statehouse:Limits:MaxMessageBytes=16777216"];
        try
        {
            // A first start declares the topology; the backlog is queued while no worker runs.
            await (await settings.StartWorkerAsync(prefix, settings.MaxBatchCount, limit, ct)).DisposeAsync();

            var factory = new ConnectionFactory { Uri = settings.BrokerUri, ClientProvidedName = "statehouse-bench-burst" };
            await using var connection = await factory.CreateConnectionAsync(ct);
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
            var replies = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: ct)).QueueName;
            var answered = 0;
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, _) =>
            {
                if (Interlocked.Increment(ref answered) == count)
                {
                    all.TrySetResult();
                }

                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(replies, autoAck: true, consumer, ct);

            var value = MessagePackSerializer.Serialize(new byte[ValueBytes]);
            for (var i = 0; i < count; i++)
            {
                var txnId = $"burst-{values}-{i}";
                var envelope = new CommitEnvelope(WireFormat.SchemaVersion, txnId, "default",
                    Enumerable.Range(0, values).Select(v => Operation.Write($"agent{i}", $"k{v}", value)).ToList(),
                    DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());
                var properties = new BasicProperties { Persistent = true, MessageId = txnId, CorrelationId = txnId, ReplyTo = replies };
                await channel.BasicPublishAsync("", names.CommitQueue, mandatory: true, properties, WireFormat.Serialize(envelope), ct);
            }

            var started = Stopwatch.GetTimestamp();
            await using var worker = await settings.StartWorkerAsync(prefix, settings.MaxBatchCount, limit, ct);
            try
            {
                await all.Task.WaitAsync(TimeSpan.FromMinutes(10), ct);
            }
            catch (TimeoutException)
            {
                // Reported as fewer answers than queued, with the peak so far.
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var peak = ProcFs.PeakRssBytes(worker.Pid) ?? 0;
            await worker.StopAsync();
            return (peak, seconds, answered);
        }
        finally
        {
            await settings.CleanUpAsync(prefix);
        }
    }
}
