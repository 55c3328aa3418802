namespace Statehouse.Bench.Load;

/// <summary>Told when the measured window opens (after the warm-up) and closes, to take the figures that go with it.</summary>
internal interface IWindowObserver
{
    Task OnWindowStartAsync(CancellationToken ct);

    Task OnWindowEndAsync(CancellationToken ct);
}
