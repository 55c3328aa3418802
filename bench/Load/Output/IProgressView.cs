using Statehouse.Bench.Load;

namespace Statehouse.Bench.Output;

/// <summary>What the run shows while it goes: each mode's phase, and its live counters while load runs.</summary>
internal interface IProgressView
{
    void Status(string mode, string text);

    /// <summary>Shows the counters of <paramref name="progress"/> until <see cref="Done"/>; <paramref name="plannedSeconds"/> 0 = a counted run.</summary>
    void Track(string mode, LoadProgress progress, double plannedSeconds, long? count);

    void Done(string mode, string summary);
}
