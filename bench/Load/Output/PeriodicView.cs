namespace Statehouse.Bench.Output;

/// <summary>A progress view that redraws on a timer until it is disposed.</summary>
internal abstract class PeriodicView : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>Called by the derived constructor once its own fields are set.</summary>
    protected void Start(TimeSpan interval) => _loop = LoopAsync(interval);

    protected abstract void Tick();

    private async Task LoopAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(_stop.Token))
        {
            Tick();
        }
    }
}
