namespace Statehouse.Examples.ResearchAgent.State;

/// <summary>
/// The value of the <c>progress</c> key: the next step to run (<see cref="StepCount"/> + 1 once the run is done).
/// Every step's commit expects the version of <c>progress</c> it last saw, so two processes driving the same run
/// cannot both commit a step: the second gets a conflict and writes nothing.
/// </summary>
public sealed record Progress(int NextStep, int StepCount);
