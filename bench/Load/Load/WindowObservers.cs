namespace Statehouse.Bench.Load;

/// <summary>Several observers of one window, told in order when it opens and in reverse order when it closes.</summary>
internal sealed class WindowObservers(params IWindowObserver[] observers) : IWindowObserver
{
    public async Task OnWindowStartAsync(CancellationToken ct)
    {
        foreach (var observer in observers)
        {
            await observer.OnWindowStartAsync(ct);
        }
    }

    public async Task OnWindowEndAsync(CancellationToken ct)
    {
        foreach (var observer in observers.Reverse())
        {
            await observer.OnWindowEndAsync(ct);
        }
    }
}
