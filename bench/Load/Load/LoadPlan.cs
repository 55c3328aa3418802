namespace Statehouse.Bench.Load;

/// <summary>
/// How long a mode runs: a warm-up that is not measured, then either <see cref="Duration"/> or, when
/// <see cref="Count"/> is set, until that many transactions completed (no warm-up then: everything counts).
/// <see cref="RatePerSecond"/> switches from closed loop (each slot starts its next transaction when the last one
/// returned) to open loop (transactions start on a fixed schedule, whatever the replies do).
/// </summary>
internal sealed record LoadPlan(TimeSpan Warmup, TimeSpan Duration, long? Count = null, double? RatePerSecond = null)
{
    public double PlannedSeconds => Count is null ? (Warmup + Duration).TotalSeconds : 0;
}
