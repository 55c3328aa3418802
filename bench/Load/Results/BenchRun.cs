using Statehouse.Bench.Load;

namespace Statehouse.Bench.Results;

/// <summary>One run of the comparison: where, with which load, and each mode's figures.</summary>
internal sealed record BenchRun(
    DateTimeOffset StartedAt,
    MachineInfo Machine,
    LoadShape Shape,
    int Prefetch,
    int MaxBatchCount,
    double WarmupSeconds,
    double DurationSeconds,
    IReadOnlyList<ModeResult> Modes)
{
    public ModeResult? Find(string mode) => Modes.FirstOrDefault(m => m.Mode == mode);
}
