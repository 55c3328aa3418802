using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Statehouse.Contracts;

namespace Statehouse.Testcontainers;

/// <summary>
/// Waits until the worker logged its ready line (<see cref="WorkerLogMarkers.Ready"/>) in the current start: one more
/// than its log held before the start. Testcontainers' own <c>UntilMessageIsLogged</c> reads the log since the last
/// stop it saw, so after a kill from outside it would find the previous start's line and return at once.
/// </summary>
internal sealed class UntilWorkerIsReady : IWaitUntil
{
    public static int CountReadyLines(string log)
    {
        var count = 0;
        for (var at = log.IndexOf(WorkerLogMarkers.Ready, StringComparison.Ordinal); at >= 0; at = log.IndexOf(WorkerLogMarkers.Ready, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public async Task<bool> UntilAsync(IContainer container)
    {
        var (stdout, stderr) = await container.GetLogsAsync(timestampsEnabled: false);
        var before = container is StatehouseContainer statehouse ? statehouse.ReadyLinesBeforeStart : 0;
        return CountReadyLines(stdout) + CountReadyLines(stderr) > before;
    }
}
